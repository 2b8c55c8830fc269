using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;

namespace CloudHsm.Client;

/// <summary>
/// The gRPC channel to one node as every client of this library makes it (TLS 1.2/1.3, the node
/// judged by <see cref="ServerTrust"/> only, the optional client certificate), and the translation
/// of a failed call into the stable error name. Shared by <see cref="HsmClient"/> and the PKCS#11 module.
/// </summary>
public static class NodeChannels
{
    public const int MaxMessageBytes = 4 * 1024 * 1024;

    /// <summary>The configured client certificate with its key, or null.</summary>
    public static X509Certificate2Collection? ClientCertificates(ClientConfig config) =>
        config.ClientCertificate is { } cc
            ? [X509Certificate2.CreateFromPemFile(config.Resolve(cc.Certificate)!, config.Resolve(cc.Key))]
            : null;

    public static GrpcChannel Create(string node, ServerTrust trust, X509Certificate2Collection? clientCertificates)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = trust.Callback,
                ClientCertificates = clientCertificates,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            },
        };
        return GrpcChannel.ForAddress("https://" + node, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = MaxMessageBytes,
            DisposeHttpClient = true,
        });
    }

    /// <summary>A failed call as the stable error name: the node's own (trailer), a refused TLS handshake, or the transport's.</summary>
    public static HsmClientException Translate(RpcException e, string node, ServerTrust trust)
    {
        var name = e.Trailers.GetValue(Protocol.WireNames.ErrorTrailer);
        if (name is not null) return new HsmClientException(name, e.Status.Detail, transient: Resilience.TransientRefusals.Contains(name));
        if (IsCertificateRejection(e.Status.DebugException))
        {
            return new HsmClientException("RET_SERVER_NOT_TRUSTED", $"Refused node {node}: {trust.LastRefusal ?? "its TLS certificate was rejected"}.");
        }
        return e.StatusCode switch
        {
            StatusCode.Unavailable => new HsmClientException("RET_NODE_UNAVAILABLE", $"Cannot reach node {node}.", transient: true),
            StatusCode.DeadlineExceeded => new HsmClientException("RET_TIMEOUT", $"Node {node} did not answer in time.", transient: true),
            StatusCode.Cancelled => new HsmClientException("RET_CANCELLED", "The call was cancelled."),
            _ => new HsmClientException("RET_INTERNAL_ERROR", $"The node answered {e.StatusCode}."),
        };
    }

    /// <summary>True when the call failed because the TLS handshake was refused (by us or by the node).</summary>
    private static bool IsCertificateRejection(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException) return true;
        }
        return false;
    }
}
