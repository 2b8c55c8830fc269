using System.Security.Cryptography.X509Certificates;
using CloudHsm.Core.Owner;
using CloudHsm.Core.Partition;
using CloudHsm.Storage;

namespace CloudHsm.Node.Tls;

/// <summary>
/// The certificate the node presents. Before activation: a self-signed certificate of the partition
/// identity key, written to DATA/bootstrap.crt for clients to pin. Once active: POAC.crt with the
/// identity key, so every client's chain ends at the owner's PO.crt.
/// </summary>
public sealed class NodeTlsIdentity(string dataDirectory, IEnumerable<string> hostNames) : IDisposable
{
    public const string BootstrapFileName = "bootstrap.crt";
    private readonly string[] _hostNames = hostNames.ToArray();
    private volatile X509Certificate2? _current;
    private X509Certificate2? _owner;

    public X509Certificate2 Current => _current ?? throw new InvalidOperationException("No TLS identity yet.");

    /// <summary>False until the partition exists (a joining cluster member before the cluster's state arrived).</summary>
    public bool HasIdentity => _current is not null;

    /// <summary>The PO certificate once stored (for client-certificate checks).</summary>
    public X509Certificate2? Owner => _owner;

    public bool Activated { get; private set; }

    public string BootstrapPath => Path.Combine(dataDirectory, BootstrapFileName);

    /// <summary>Recomputes the certificate from the partition state (start, activation, zeroize).</summary>
    public void Refresh(PartitionService service, PartitionRecord? partition)
    {
        if (partition is null || partition.Status == PartitionStatus.Zeroized || partition.SealedIdentityKey.Length == 0) return;
        var activated = partition.Status == PartitionStatus.Active && partition.PartitionCertificate is not null;
        if (_current is not null && activated == Activated) return;
        using var key = service.LoadIdentityKey(partition);
        X509Certificate2 next;
        if (activated)
        {
            using var poac = X509CertificateLoader.LoadCertificate(partition.PartitionCertificate!);
            next = Ephemeral(poac.CopyWithPrivateKey(key));
            _owner = X509CertificateLoader.LoadCertificate(partition.OwnerCertificate!);
            if (File.Exists(BootstrapPath)) File.Delete(BootstrapPath);
        }
        else
        {
            next = Ephemeral(PartitionIdentity.CreateBootstrapCertificate(key, partition.SerialNumber, _hostNames));
            File.WriteAllText(BootstrapPath, next.ExportCertificatePem());
        }
        Activated = activated;
        _current = next;
    }

    /// <summary>
    /// After zeroize: drop the partition's identity from memory and present a throwaway certificate
    /// that no client trusts until the node starts again.
    /// </summary>
    public void Forget()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new CertificateRequest("CN=CloudHSM zeroized partition", key, System.Security.Cryptography.HashAlgorithmName.SHA256,
            System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var previous = _current;
        _current = Ephemeral(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1)));
        Activated = false;
        previous?.Dispose();
        if (File.Exists(BootstrapPath)) File.Delete(BootstrapPath);
    }

    /// <summary>Re-imports as PKCS#12 so that SslStream on Linux can use the key (kept in memory only).</summary>
    private static X509Certificate2 Ephemeral(X509Certificate2 withKey)
    {
        using (withKey)
        {
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.EphemeralKeySet);
        }
    }

    public void Dispose()
    {
        _current?.Dispose();
        _owner?.Dispose();
    }
}
