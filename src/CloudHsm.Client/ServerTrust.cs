using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace CloudHsm.Client;

/// <summary>
/// Decides whether a node is ours: its chain must end at the configured PO.crt (and the node must
/// not present PO.crt itself), or, before activation, it must present exactly the pinned bootstrap
/// certificate. System roots and host names play no part: the owner's certificate is the trust.
/// </summary>
public sealed class ServerTrust
{
    private readonly X509Certificate2? _owner;
    private readonly byte[]? _bootstrap;

    public ServerTrust(X509Certificate2? owner, byte[]? bootstrapDer)
    {
        _owner = owner;
        _bootstrap = bootstrapDer;
    }

    /// <summary>Why the last refused server was refused (for the error message).</summary>
    public string? LastRefusal { get; private set; }

    /// <summary>True when the node was accepted through the bootstrap pin (not activated yet).</summary>
    public bool AcceptedBootstrap { get; private set; }

    public static ServerTrust FromConfig(ClientConfig config)
    {
        X509Certificate2? owner = null;
        var poPath = config.Resolve(config.PoCertificate);
        if (poPath is not null && File.Exists(poPath)) owner = X509CertificateLoader.LoadCertificateFromFile(poPath);
        byte[]? bootstrap = null;
        var bootPath = config.Resolve(config.BootstrapCertificate);
        if (bootPath is not null && File.Exists(bootPath)) bootstrap = X509CertificateLoader.LoadCertificateFromFile(bootPath).RawData;
        if (owner is null && bootstrap is null)
        {
            throw new HsmClientException("RET_CONFIG_INVALID",
                $"The client configuration names no readable PO.crt ({poPath ?? "poCertificate not set"}); without it no node can be trusted.");
        }
        return new ServerTrust(owner, bootstrap);
    }

    public bool Validate(X509Certificate? certificate, X509Chain? presentedChain)
    {
        if (certificate is null)
        {
            LastRefusal = "the node presented no certificate";
            return false;
        }
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        LastRefusal = null;
        if (_owner is not null && !leaf.RawData.AsSpan().SequenceEqual(_owner.RawData))
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(_owner);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            if (chain.Build(leaf) && chain.ChainElements[^1].Certificate.RawData.AsSpan().SequenceEqual(_owner.RawData)
                && CanServe(leaf))
            {
                AcceptedBootstrap = false;
                LastRefusal = null;
                return true;
            }
        }
        if (_bootstrap is not null && leaf.RawData.AsSpan().SequenceEqual(_bootstrap))
        {
            AcceptedBootstrap = true;
            LastRefusal = null;
            return true;
        }
        LastRefusal ??= _owner is null
            ? "the node's certificate is not the pinned bootstrap certificate"
            : $"the node's certificate chain does not end at the configured PO.crt (subject {leaf.Subject})";
        return false;
    }

    /// <summary>The server-auth extended key usage (id-kp-serverAuth).</summary>
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>
    /// Certificates the owner issued for clients (extendedKeyUsage clientAuth only) or for sub-CAs
    /// chain to PO.crt too; neither may pose as a node.
    /// </summary>
    private bool CanServe(X509Certificate2 leaf)
    {
        if (leaf.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
        {
            LastRefusal = "the node presented a CA certificate";
            return false;
        }
        var usages = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault()?.EnhancedKeyUsages;
        if (usages is not null && !usages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == ServerAuthOid))
        {
            LastRefusal = "the node presented a certificate not made for servers (its extended key usage lacks serverAuth)";
            return false;
        }
        return true;
    }

    internal RemoteCertificateValidationCallback Callback => (_, certificate, chain, _) => Validate(certificate, chain);
}
