using System.Net;
using CloudHsm.Protocol;
using Grpc.Core;

namespace CloudHsm.Node.Wire;

/// <summary>
/// What a gRPC service method sees of a call that came over the wire transport: the method, the
/// bearer token as the "authorization" header, the client's name, the peer, and the connection's end
/// as cancellation. One per connection, prepared again for each request (a connection carries one
/// request at a time); the headers are rebuilt only when the token or client name changes.
/// </summary>
internal sealed class WireServerCallContext : ServerCallContext
{
    private readonly string _peer;
    private readonly CancellationToken _connectionClosed;
    private readonly Metadata _headers = new();
    private Metadata? _trailers;
    private AuthContext? _authContext;
    private string _method = "";
    private string _token = "";
    private string? _clientName;

    public WireServerCallContext(EndPoint? remote, bool presentedCertificate, CancellationToken connectionClosed)
    {
        _peer = remote switch
        {
            IPEndPoint { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ip => $"ipv6:[{ip.Address}]:{ip.Port}",
            IPEndPoint ip => $"ipv4:{ip.Address}:{ip.Port}",
            null => "unknown",
            _ => remote.ToString() ?? "unknown",
        };
        PresentedCertificate = presentedCertificate;
        _connectionClosed = connectionClosed;
    }

    /// <summary>True when the client presented a certificate in the TLS handshake (the handshake checked it).</summary>
    public bool PresentedCertificate { get; }

    /// <summary>Sets what the next service call sees.</summary>
    public void Prepare(string method, string token, string client)
    {
        _method = method;
        var changed = false;
        if (client.Length > 64) client = client[..64];
        if (client.Length > 0 && client != _clientName)
        {
            _clientName = client;
            changed = true;
        }
        if (token != _token)
        {
            _token = token;
            changed = true;
        }
        if (changed) RebuildHeaders();
        _trailers = null;
    }

    private void RebuildHeaders()
    {
        _headers.Clear();
        if (_token.Length > 0) _headers.Add(WireNames.AuthorizationHeader, "Bearer " + _token);
        if (_clientName is not null) _headers.Add(WireNames.ClientHeader, _clientName);
    }

    protected override string MethodCore => _method;
    protected override string HostCore => "";
    protected override string PeerCore => _peer;
    protected override DateTime DeadlineCore => DateTime.MaxValue;
    protected override Metadata RequestHeadersCore => _headers;
    protected override CancellationToken CancellationTokenCore => _connectionClosed;
    protected override Metadata ResponseTrailersCore => _trailers ??= new();
    protected override Status StatusCore { get; set; }
    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore => _authContext ??= new AuthContext(null, new Dictionary<string, List<AuthProperty>>
    {
        ["transport_security_type"] = [AuthProperty.Create("transport_security_type", "ssl"u8.ToArray())],
    });

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("Calls over the wire transport do not propagate.");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
