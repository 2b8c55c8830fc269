using System.Security.Cryptography;
using System.Text;

namespace CloudHsm.Core.Sealing;

/// <summary>
/// The partition's domain secret and the sealers derived from it (HKDF-SHA256, one key per use).
/// The domain secret is what the cluster will share between nodes; a node keeps it sealed under
/// its own master key.
/// </summary>
public sealed class DomainKeys : IDisposable
{
    public const int SecretLength = 32;
    private readonly byte[] _secret;

    public DomainKeys(ReadOnlySpan<byte> secret)
    {
        if (secret.Length != SecretLength) throw new ArgumentException("A domain secret is 32 bytes.", nameof(secret));
        _secret = secret.ToArray();
        Secrets = Derive("secrets");
        Records = Derive("records");
        Masking = Derive("masking");
        RecordIds = new KeyedHash(DeriveBytes("record ids"));
        RecordIntegrity = new KeyedHash(DeriveBytes("record integrity"));
    }

    /// <summary>Seals secrets carried in commands (password hashes, private keys).</summary>
    public SecretSealer Secrets { get; }

    /// <summary>Seals whole records of the store at rest.</summary>
    public SecretSealer Records { get; }

    /// <summary>Masks objects for extractMaskedObject: readable only by this partition or one restored from its backup.</summary>
    public SecretSealer Masking { get; }

    /// <summary>Pseudonyms of record ids, so the store shows no user name.</summary>
    public KeyedHash RecordIds { get; }

    /// <summary>Digests of stored records, summed into the store's integrity total.</summary>
    public KeyedHash RecordIntegrity { get; }

    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(SecretLength);

    /// <summary>
    /// Hands the domain secret to a sealing function (admission of a node: the secret encrypted to that
    /// node's key). The only way the secret leaves this object.
    /// </summary>
    public byte[] SealSecret(Func<ReadOnlySpan<byte>, byte[]> seal) => seal(_secret);

    private SecretSealer Derive(string label)
    {
        var key = DeriveBytes(label);
        try
        {
            return new SecretSealer(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private byte[] DeriveBytes(string label) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, SecretSealer.KeyLength, [], Encoding.UTF8.GetBytes("cloudhsm domain " + label));

    public void Dispose()
    {
        Secrets.Dispose();
        Records.Dispose();
        Masking.Dispose();
        RecordIds.Dispose();
        RecordIntegrity.Dispose();
        CryptographicOperations.ZeroMemory(_secret);
    }
}
