using System.Security.Cryptography;
using CloudHsm.Core.Sealing;
using CloudHsm.Storage;

namespace CloudHsm.Cluster.Identity;

/// <summary>
/// A node's own keys, made once in its data directory and sealed under its master key
/// (DATA/node-identity.sealed): a P-256 key for its TLS certificate on the cluster channel, and a P-256
/// key the partition's domain secret is encrypted to when the node is admitted. The node id is a digest
/// of the TLS public key, so a certificate names the key it was issued for.
/// </summary>
public sealed class NodeIdentity : IDisposable
{
    public const string FileName = "node-identity.sealed";

    private NodeIdentity(ECDsa tls, ECDiffieHellman exchange)
    {
        Tls = tls;
        Exchange = exchange;
        TlsPublicKey = tls.ExportSubjectPublicKeyInfo();
        ExchangePublicKey = exchange.ExportSubjectPublicKeyInfo();
        Id = IdOf(TlsPublicKey);
    }

    public string Id { get; }
    public ECDsa Tls { get; }
    public ECDiffieHellman Exchange { get; }
    public byte[] TlsPublicKey { get; }
    public byte[] ExchangePublicKey { get; }

    /// <summary>The node id of a TLS public key: 16 bytes of its SHA-256, hex.</summary>
    public static string IdOf(ReadOnlySpan<byte> tlsPublicKey) => Convert.ToHexStringLower(SHA256.HashData(tlsPublicKey)[..16]);

    public static bool Exists(string dataDirectory) => File.Exists(Path.Combine(dataDirectory, FileName));

    /// <summary>Opens the node's identity, making it on first use.</summary>
    public static NodeIdentity OpenOrCreate(string dataDirectory, byte[] masterKey)
    {
        var path = Path.Combine(dataDirectory, FileName);
        using var sealer = new SecretSealer(masterKey);
        if (!File.Exists(path))
        {
            var tls = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var exchange = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            var tlsKey = tls.ExportPkcs8PrivateKey();
            var exchangeKey = exchange.ExportPkcs8PrivateKey();
            var blob = new byte[4 + tlsKey.Length + exchangeKey.Length];
            try
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(blob, tlsKey.Length);
                tlsKey.CopyTo(blob, 4);
                exchangeKey.CopyTo(blob, 4 + tlsKey.Length);
                SecureFile.WriteAllBytes(path, sealer.Seal(blob, SealPurpose.NodeIdentity));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(tlsKey);
                CryptographicOperations.ZeroMemory(exchangeKey);
                CryptographicOperations.ZeroMemory(blob);
            }
            return new NodeIdentity(tls, exchange);
        }
        if (!sealer.TryUnseal(File.ReadAllBytes(path), SealPurpose.NodeIdentity, out var plain))
        {
            throw new DataDirectoryException($"{FileName} failed authentication: the unseal key is wrong or the data directory was tampered with.");
        }
        try
        {
            var tlsLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(plain);
            var tls = ECDsa.Create();
            tls.ImportPkcs8PrivateKey(plain.AsSpan(4, tlsLength), out _);
            var exchange = ECDiffieHellman.Create();
            exchange.ImportPkcs8PrivateKey(plain.AsSpan(4 + tlsLength), out _);
            return new NodeIdentity(tls, exchange);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    public void Dispose()
    {
        Tls.Dispose();
        Exchange.Dispose();
    }
}
