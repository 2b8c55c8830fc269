using System.Collections.Concurrent;
using Google.Protobuf;

namespace CloudHsm.Client.Wire;

/// <summary>
/// Wire connections for many threads: each call borrows an idle connection (or opens one) and gives
/// it back, so concurrent calls never share one. The idle list is lock-free: a fork() while another
/// thread was inside the pool cannot leave it locked in the child, and connections that were busy at
/// that moment are simply not in the child's pool. All connections share one configuration and the
/// token of the application's login, and one node: they start at the next node of the process-wide
/// rotation (so applications spread over the nodes) and fail over together.
/// </summary>
public sealed class WireConnectionPool : IDisposable
{
    private readonly WireSettings _settings;
    private readonly ConcurrentStack<WireConnection> _idle = new();
    private volatile bool _disposed;

    public WireConnectionPool(ClientConfig config, string? clientName = null)
    {
        _settings = WireSettings.From(config, clientName, startNode: null);
    }

    /// <summary>The bearer token of the login, sent with every call while set (null before login).</summary>
    public string? AuthorizationToken { get; set; }

    /// <summary>The endpoint (HOST:PORT) the pool's connections use now.</summary>
    public string CurrentEndpoint => _settings.Endpoints[_settings.Nodes.Current].ToString();

    /// <summary>As <see cref="WireConnection.Call"/>, from any thread.</summary>
    public TResponse Call<TResponse>(string method, IMessage request, MessageParser<TResponse> parser, string? requestId = null) where TResponse : IMessage<TResponse>
    {
        var connection = Rent();
        try
        {
            connection.AuthorizationToken = AuthorizationToken;
            return connection.Call(method, request, parser, requestId);
        }
        finally
        {
            Return(connection);
        }
    }

    /// <summary>An idle connection (or a new one) for the calling thread alone, until <see cref="Return"/>.</summary>
    public WireConnection Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _idle.TryPop(out var connection) ? connection : new WireConnection(_settings);
    }

    /// <summary>Gives back a connection from <see cref="Rent"/> (disposed instead once the pool is).</summary>
    public void Return(WireConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (_disposed) connection.Dispose();
        else _idle.Push(connection);
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryPop(out var connection)) connection.Dispose();
    }
}
