namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// An encrypt/decrypt mechanism. Symmetric mechanisms take the raw secret key both ways; RSA
/// encrypts with a SubjectPublicKeyInfo and decrypts with a PKCS#8 private key. A ciphertext that
/// does not authenticate, unpad or decrypt is <c>false</c>; misuse throws <see cref="MechanismException"/>.
/// </summary>
public interface ICipherMechanism
{
    MechanismId Id { get; }

    /// <summary>FIPS-approved; when false, the mechanism needs the non-FIPS switch.</summary>
    bool Approved { get; }

    CipherResult Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, CipherParameters parameters);

    bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertext, CipherParameters parameters, out byte[] plaintext);
}

/// <summary>
/// What an encryption produced: the output (for AES-GCM, ciphertext then tag) and the IV or nonce it
/// used, which is the caller's or, for AES-GCM without one, a fresh one the HSM generated.
/// </summary>
public sealed record CipherResult(byte[] Output, byte[] Iv);

/// <summary>Parameters of a cipher mechanism; each mechanism reads only the ones it knows.</summary>
public sealed record CipherParameters
{
    public static readonly CipherParameters None = new();

    /// <summary>IV (CBC), nonce (GCM; empty asks the HSM to generate one) or initial counter block (CTR).</summary>
    public ReadOnlyMemory<byte> Iv { get; init; }

    /// <summary>AES-GCM additional authenticated data.</summary>
    public ReadOnlyMemory<byte> AssociatedData { get; init; }

    /// <summary>AES-GCM tag length in bytes, 12 to 16.</summary>
    public int TagLength { get; init; } = 16;

    /// <summary>AES-CTR: how many low bits of the counter block are the counter (1 to 128).</summary>
    public int CounterBits { get; init; } = 128;

    /// <summary>RSA-OAEP hash (and MGF1 hash): <see cref="MechanismId.Sha1"/>, Sha256, Sha384 or Sha512.</summary>
    public MechanismId OaepHash { get; init; } = MechanismId.Sha1;

    /// <summary>RSA-OAEP label; only the empty label is supported.</summary>
    public ReadOnlyMemory<byte> OaepLabel { get; init; }
}
