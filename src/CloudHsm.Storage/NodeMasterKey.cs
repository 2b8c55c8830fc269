using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudHsm.Storage;

/// <summary>How the node's master key is obtained at start.</summary>
public abstract record UnsealSource
{
    /// <summary>A random key in DATA/master.key (0600): the software stand-in for an HSM's protected storage.</summary>
    public sealed record KeyFile : UnsealSource;

    /// <summary>A key derived (PBKDF2-HMAC-SHA256) from a passphrase given at start; nothing secret is on disk.</summary>
    public sealed record Passphrase(char[] Value) : UnsealSource;
}

/// <summary>
/// The node master key: the key that seals the node's keyring. Kept either in a 0600 file or
/// derived from an unseal passphrase (with the salt in DATA/unseal.json).
/// </summary>
public static class NodeMasterKey
{
    public const string KeyFileName = "master.key";
    public const string PassphraseFileName = "unseal.json";
    private const int Iterations = 600_000;

    /// <summary>Loads (or on first start creates) the master key. The caller wipes the result.</summary>
    public static byte[] Open(string dataDirectory, UnsealSource source, bool create)
    {
        var keyFile = Path.Combine(dataDirectory, KeyFileName);
        var passFile = Path.Combine(dataDirectory, PassphraseFileName);
        switch (source)
        {
            case UnsealSource.KeyFile:
                if (File.Exists(passFile))
                {
                    throw new DataDirectoryException("This node is sealed with a passphrase: start it with --unseal-stdin or --unseal-passphrase-env.",
                        DataDirectoryException.UnsealMismatch);
                }
                if (!File.Exists(keyFile))
                {
                    if (!create) throw new DataDirectoryException($"{KeyFileName} is missing from the data directory.");
                    var fresh = RandomNumberGenerator.GetBytes(32);
                    SecureFile.WriteAllBytes(keyFile, fresh);
                    return fresh;
                }
                SecureFile.RequireOwnerOnly(keyFile);
                var key = File.ReadAllBytes(keyFile);
                if (key.Length != 32)
                {
                    CryptographicOperations.ZeroMemory(key);
                    throw new DataDirectoryException($"{KeyFileName} is not a 32-byte key: the data directory was tampered with.");
                }
                return key;
            case UnsealSource.Passphrase p:
                if (File.Exists(keyFile))
                {
                    throw new DataDirectoryException($"This node keeps its master key in {KeyFileName}; start it without an unseal passphrase.",
                        DataDirectoryException.UnsealMismatch);
                }
                if (p.Value.Length < 12)
                {
                    throw new DataDirectoryException("The unseal passphrase must be at least 12 characters long.", "RET_INVALID_INPUT");
                }
                byte[] salt;
                var iterations = Iterations;
                if (File.Exists(passFile))
                {
                    PassphraseSettings? settings;
                    try
                    {
                        settings = JsonSerializer.Deserialize(File.ReadAllBytes(passFile), StorageJsonContext.Default.PassphraseSettings);
                        salt = Convert.FromBase64String(settings?.Salt ?? "");
                    }
                    catch (Exception e) when (e is JsonException or FormatException)
                    {
                        throw new DataDirectoryException($"{PassphraseFileName} is unreadable: the data directory was tampered with.");
                    }
                    if (settings is null || salt.Length < 16 || settings.Iterations < Iterations)
                    {
                        throw new DataDirectoryException($"{PassphraseFileName} names a salt or iteration count below the minimum: the data directory was tampered with.");
                    }
                    iterations = settings.Iterations;
                }
                else
                {
                    if (!create) throw new DataDirectoryException($"{PassphraseFileName} is missing from the data directory.");
                    salt = RandomNumberGenerator.GetBytes(16);
                    SecureFile.WriteAllBytes(passFile, JsonSerializer.SerializeToUtf8Bytes(
                        new PassphraseSettings(Convert.ToBase64String(salt), Iterations), StorageJsonContext.Default.PassphraseSettings));
                }
                try
                {
                    return Rfc2898DeriveBytes.Pbkdf2(p.Value, salt, iterations, HashAlgorithmName.SHA256, 32);
                }
                finally
                {
                    // The passphrase is needed once per start; nothing keeps it afterwards.
                    Array.Clear(p.Value);
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(source));
        }
    }
}

internal sealed record PassphraseSettings(string Salt, int Iterations);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(PassphraseSettings))]
[JsonSerializable(typeof(CloudHsm.Core.Partition.PartitionRecord))]
[JsonSerializable(typeof(CloudHsm.Core.Users.UserRecord))]
[JsonSerializable(typeof(KeyRecordDocument))]
[JsonSerializable(typeof(CloudHsm.Core.Commands.AppliedRequest))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
