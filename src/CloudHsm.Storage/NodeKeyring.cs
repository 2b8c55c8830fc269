using System.Security.Cryptography;
using CloudHsm.Core.Sealing;

namespace CloudHsm.Storage;

/// <summary>
/// DATA/keyring.sealed: the partition's domain secret sealed under the node master key. Opening it
/// is the node's unseal step; a wrong key or an edited file fails the tag.
/// </summary>
public static class NodeKeyring
{
    public const string FileName = "keyring.sealed";

    public static DomainKeys Open(string dataDirectory, byte[] masterKey, bool create)
    {
        var path = Path.Combine(dataDirectory, FileName);
        using var sealer = new SecretSealer(masterKey);
        if (!File.Exists(path))
        {
            if (!create) throw new DataDirectoryException($"{FileName} is missing from the data directory.");
            return Replace(dataDirectory, masterKey);
        }
        if (!sealer.TryUnseal(File.ReadAllBytes(path), SealPurpose.DomainKeyring, out var secret) || secret.Length != DomainKeys.SecretLength)
        {
            throw new DataDirectoryException($"{FileName} failed authentication: the unseal key is wrong or the data directory was tampered with.");
        }
        try
        {
            return new DomainKeys(secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>
    /// Crypto-erases the partition: overwrites and deletes the sealed domain secret, without which no
    /// record of partition.db (nor an old copy of its WAL) can be opened again.
    /// </summary>
    public static void Destroy(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path)) return;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.Write(new byte[stream.Length]);
            stream.Flush(flushToDisk: true);
        }
        File.Delete(path);
    }

    /// <summary>Makes a fresh domain secret (first start, or after zeroize) and seals it.</summary>
    public static DomainKeys Replace(string dataDirectory, byte[] masterKey)
    {
        var secret = DomainKeys.NewSecret();
        try
        {
            return Install(dataDirectory, masterKey, secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Seals a given domain secret (a node admitted to a cluster receives its partition's) under this node's master key.</summary>
    public static DomainKeys Install(string dataDirectory, byte[] masterKey, ReadOnlySpan<byte> secret)
    {
        using var sealer = new SecretSealer(masterKey);
        SecureFile.WriteAllBytes(Path.Combine(dataDirectory, FileName), sealer.Seal(secret, SealPurpose.DomainKeyring));
        return new DomainKeys(secret);
    }
}
