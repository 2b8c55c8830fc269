using CloudHsm.Core.Errors;
using CloudHsm.Node.Hosting;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;

namespace CloudHsm.Node.Services;

/// <summary>
/// With --require-client-cert, an activated node serves only clients that presented a certificate
/// chaining to PO.crt (the TLS handshake already refused one that does not chain).
/// </summary>
public sealed class ClientCertificateInterceptor(NodeRuntime node) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Enforce(node, context.GetHttpContext().Connection.ClientCertificate is not null);
        return continuation(request, context);
    }

    /// <summary>The rule itself, shared with the wire transport (which has no HttpContext).</summary>
    public static void Enforce(NodeRuntime node, bool presentedCertificate)
    {
        if (node.Options.RequireClientCertificate && node.Tls.Activated && !presentedCertificate)
        {
            throw new HsmException(HsmError.RET_CLIENT_CERTIFICATE_REQUIRED,
                "This node requires a client certificate issued under the partition owner's PO.crt.");
        }
    }
}
