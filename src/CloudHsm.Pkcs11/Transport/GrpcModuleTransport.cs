using System.Collections.Concurrent;
using CloudHsm.Client;
using CloudHsm.Protocol;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace CloudHsm.Pkcs11.Transport;

/// <summary>
/// <see cref="IModuleTransport"/> over the node's gRPC API: a blocking unary call per request on
/// channels made as every client makes them (<see cref="NodeChannels"/>). While not logged in, a node
/// that cannot be reached is skipped for the next one. Not fork-safe (the runtime's threads do not
/// survive fork()); the session channel will be.
/// </summary>
internal sealed class GrpcModuleTransport : IModuleTransport
{
    private static readonly string ClientVersion = "cloudhsm-pkcs11/" + (typeof(GrpcModuleTransport).Assembly.GetName().Version?.ToString() ?? "0");

    private readonly ClientConfig _config;
    private readonly ServerTrust _trust;
    private readonly GrpcChannel[] _channels;
    private readonly ConcurrentDictionary<string, object> _methods = new(StringComparer.Ordinal);
    private volatile int _current;

    public GrpcModuleTransport(ClientConfig config)
    {
        _config = config;
        _trust = ServerTrust.FromConfig(config);
        var clientCertificates = NodeChannels.ClientCertificates(config);
        _channels = config.Nodes.Select(node => NodeChannels.Create(node, _trust, clientCertificates)).ToArray();
    }

    public string? AuthorizationToken { get; set; }

    public TResponse Call<TResponse>(string method, IMessage request, MessageParser<TResponse> parser) where TResponse : class, IMessage<TResponse>
    {
        var descriptor = (Method<IMessage, TResponse>)_methods.GetOrAdd(method, static (name, p) => Describe(name, (MessageParser<TResponse>)p), parser);
        var token = AuthorizationToken;
        var attempts = token is null ? _channels.Length : 1;
        for (var attempt = 0; ; attempt++)
        {
            var current = _current;
            var headers = new Metadata { { WireNames.ClientHeader, ClientVersion } };
            if (token is not null) headers.Add(WireNames.AuthorizationHeader, "Bearer " + token);
            var options = new CallOptions(headers, DateTime.UtcNow.Add(_config.CallTimeout));
            try
            {
                return _channels[current].CreateCallInvoker().BlockingUnaryCall(descriptor, null, options, request);
            }
            catch (RpcException e)
            {
                var error = NodeChannels.Translate(e, _config.Nodes[current], _trust);
                if (error.IsTransient && attempt + 1 < attempts)
                {
                    _current = (current + 1) % _channels.Length;
                    continue;
                }
                throw error;
            }
        }
    }

    private static Method<IMessage, TResponse> Describe<TResponse>(string fullName, MessageParser<TResponse> parser) where TResponse : class, IMessage<TResponse>
    {
        var slash = fullName.LastIndexOf('/');
        if (slash <= 1 || fullName[0] != '/') throw new ArgumentException($"Not a gRPC method name: {fullName}", nameof(fullName));
        var requestMarshaller = Marshallers.Create<IMessage>(m => m.ToByteArray(), _ => throw new NotSupportedException("The module never reads requests."));
        var responseMarshaller = Marshallers.Create(r => r.ToByteArray(), parser.ParseFrom);
        return new Method<IMessage, TResponse>(MethodType.Unary, fullName[1..slash], fullName[(slash + 1)..], requestMarshaller, responseMarshaller);
    }

    public void Dispose()
    {
        foreach (var channel in _channels) channel.Dispose();
    }
}
