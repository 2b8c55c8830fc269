using System.Security.Cryptography;
using System.Text;

namespace CloudHsm.Core.Sealing;

/// <summary>HMAC-SHA256 under a key derived for one use (pseudonyms, integrity digests); the key is wiped on dispose.</summary>
public sealed class KeyedHash : IDisposable
{
    private readonly byte[] _key;

    /// <summary>Takes ownership of <paramref name="key"/> (wiped on dispose).</summary>
    public KeyedHash(byte[] key) => _key = key;

    public byte[] Compute(ReadOnlySpan<byte> data) => HMACSHA256.HashData(_key, data);

    public byte[] Compute(string text) => Compute(Encoding.UTF8.GetBytes(text));

    /// <summary>A stable pseudonym of a value (hex), that reveals nothing without the key.</summary>
    public string Pseudonym(string value) => Convert.ToHexString(Compute(value));

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
