using System.Security.Cryptography;
using System.Text;

namespace CloudHsm.Core.Sealing;

/// <summary>
/// AES-256-GCM sealing of secrets under one key, the purpose string as associated data.
/// Format: <c>version(1) | nonce(12) | ciphertext | tag(16)</c>. The key is wiped on dispose.
/// </summary>
public sealed class SecretSealer : IDisposable
{
    private const byte Version = 1;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    public const int Overhead = 1 + NonceLength + TagLength;
    public const int KeyLength = 32;

    // An AesGcm instance holds one cipher context and is not safe for use by several threads at once
    // (concurrent requests then fail, or unseal garbage as "tampered"): one instance per thread.
    private readonly ThreadLocal<AesGcm> _aes;
    private readonly byte[] _key;

    public SecretSealer(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength) throw new ArgumentException("A sealing key is 32 bytes.", nameof(key));
        _key = key.ToArray();
        _aes = new ThreadLocal<AesGcm>(() => new AesGcm(_key, TagLength), trackAllValues: true);
    }

    public byte[] Seal(ReadOnlySpan<byte> plaintext, string purpose)
    {
        var output = new byte[Overhead + plaintext.Length];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        var ad = Encoding.UTF8.GetBytes(purpose);
        _aes.Value!.Encrypt(nonce, plaintext, output.AsSpan(1 + NonceLength, plaintext.Length),
            output.AsSpan(1 + NonceLength + plaintext.Length, TagLength), ad);
        return output;
    }

    /// <summary>
    /// Opens a sealed blob. Returns false (and no plaintext) when the blob was altered, sealed under
    /// another key or for another purpose.
    /// </summary>
    public bool TryUnseal(ReadOnlySpan<byte> sealedBlob, string purpose, out byte[] plaintext)
    {
        plaintext = [];
        if (sealedBlob.Length < Overhead || sealedBlob[0] != Version) return false;
        var length = sealedBlob.Length - Overhead;
        var output = new byte[length];
        try
        {
            _aes.Value!.Decrypt(sealedBlob.Slice(1, NonceLength), sealedBlob.Slice(1 + NonceLength, length),
                sealedBlob.Slice(1 + NonceLength + length, TagLength), output, Encoding.UTF8.GetBytes(purpose));
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(output);
            return false;
        }
        plaintext = output;
        return true;
    }

    /// <summary>Opens a sealed blob or throws <see cref="SealedDataTamperedException"/>.</summary>
    public byte[] Unseal(ReadOnlySpan<byte> sealedBlob, string purpose) =>
        TryUnseal(sealedBlob, purpose, out var plaintext) ? plaintext : throw new SealedDataTamperedException(purpose);

    public void Dispose()
    {
        foreach (var aes in _aes.Values) aes.Dispose();
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_key);
    }
}

/// <summary>A sealed blob failed its authentication tag: altered, or sealed under another key.</summary>
public sealed class SealedDataTamperedException(string purpose)
    : Exception($"Sealed data failed authentication ({purpose}): it was altered or sealed under another key.")
{
    public string Purpose { get; } = purpose;
}
