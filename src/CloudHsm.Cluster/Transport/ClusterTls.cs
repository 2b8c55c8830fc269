using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CloudHsm.Cluster.Identity;
using DotNext.Net.Security;

namespace CloudHsm.Cluster.Transport;

/// <summary>
/// Mutual TLS on the Raft channel. Both sides present node certificates issued by the partition identity key.
/// A node accepts a peer only if its certificate verifies against that key, names the key it carries, and
/// belongs to a node the partition admitted; when dialling, the certificate must also name the endpoint dialled,
/// so an admitted node cannot pose as another (DotNext itself does not check this).
/// </summary>
public sealed class ClusterTls : SslOptions
{
    private readonly Func<X509Certificate2?> _certificate;
    private readonly ClusterTrust _trust;

    public ClusterTls(Func<X509Certificate2?> certificate, ClusterTrust trust)
    {
        _certificate = certificate;
        _trust = trust;
        ServerOptions.EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12;
        ServerOptions.ClientCertificateRequired = true;
        ServerOptions.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
        ServerOptions.ServerCertificateSelectionCallback = (_, _) => _certificate()!;
        ServerOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => Accept(certificate, expectedEndpoint: null);
    }

    public override SslClientAuthenticationOptions CreateClientOptions(EndPoint endPoint)
    {
        var own = _certificate();
        var expected = endPoint.ToString();
        return new SslClientAuthenticationOptions
        {
            TargetHost = "cloudhsm-node",
            EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificates = own is null ? [] : [own],
            LocalCertificateSelectionCallback = (_, _, _, _, _) => _certificate()!,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => Accept(certificate, expected),
        };
    }

    private bool Accept(X509Certificate? certificate, string? expectedEndpoint)
    {
        if (certificate is null) return false;
        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var node = _trust.Verify(copy);
        return node is not null && (expectedEndpoint is null || node.ClusterEndpoint == expectedEndpoint);
    }
}

/// <summary>
/// Which node certificates this node accepts: issued by the partition identity key, and of a node the partition
/// admitted (until the partition state arrives on a joining node, any certificate the key issued).
/// </summary>
public sealed class ClusterTrust(Func<byte[]?> identityPublicKey, Func<IReadOnlyCollection<string>?> admittedNodes, TimeProvider clock)
{
    public NodeName? Verify(X509Certificate2 certificate)
    {
        if (identityPublicKey() is not { } key) return null;
        var node = NodeCertificates.Verify(certificate, key, clock.GetUtcNow());
        if (node is null) return null;
        return admittedNodes() is not { Count: > 0 } admitted || admitted.Contains(node.Id) ? node : null;
    }
}
