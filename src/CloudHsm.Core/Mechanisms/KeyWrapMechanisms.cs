using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms;

/// <summary>Parameters of a wrap mechanism; each reads only the ones it knows.</summary>
public sealed record WrapParameters
{
    public static readonly WrapParameters Default = new();

    /// <summary>RSA-OAEP and RSA-AES key wrap: the OAEP hash, <see cref="MechanismId.Sha1"/> or Sha256 (and Sha384, Sha512).</summary>
    public MechanismId OaepHash { get; init; } = MechanismId.Sha1;

    /// <summary>RSA-AES key wrap: the bits of the temporary AES key (128, 192 or 256).</summary>
    public int AesKeyBits { get; init; } = 256;

    /// <summary>AES-GCM: additional authenticated data bound to the wrapped key.</summary>
    public ReadOnlyMemory<byte> AssociatedData { get; init; }
}

/// <summary>
/// Key wrapping: the bytes of a key (secret raw, private PKCS#8) encrypted under a wrapping key.
/// AES key wrap (RFC 3394), with padding (RFC 5649, as AES_KEY_WRAP_PAD and its 3.x name KWP), with
/// PKCS#7 padding then RFC 3394 (AES_KEY_WRAP_PKCS7), AES-GCM (the HSM makes the 12-byte IV;
/// the wrapped form is IV, ciphertext, 16-byte tag), RSA-OAEP (for secret keys that fit), and
/// RSA-AES key wrap (CKM_RSA_AES_KEY_WRAP: a fresh AES key under RSA-OAEP, then the key under it
/// with RFC 5649). AES mechanisms take the raw AES key both ways; RSA ones the public key to wrap
/// and the private key to unwrap.
/// </summary>
public static class KeyWrapMechanisms
{
    private const int GcmIvLength = 12;

    public static IReadOnlyList<MechanismId> All { get; } =
    [
        MechanismId.RsaPkcsOaep, MechanismId.RsaAesKeyWrap, MechanismId.AesGcm, MechanismId.AesKeyWrap, MechanismId.AesKeyWrapPad,
        MechanismId.AesKeyWrapKwp, MechanismId.AesKeyWrapPkcs7,
    ];

    public static bool IsWrapMechanism(MechanismId id) => All.Contains(id);

    /// <summary>True when the mechanism wraps with an RSA key; false for AES.</summary>
    public static bool UsesRsa(MechanismId id) => id is MechanismId.RsaPkcsOaep or MechanismId.RsaAesKeyWrap;

    public static byte[] Wrap(MechanismId id, ReadOnlySpan<byte> wrappingKey, ReadOnlySpan<byte> keyData, WrapParameters parameters)
    {
        switch (id)
        {
            case MechanismId.AesKeyWrap:
                return AesMechanisms.KeyWrap.Encrypt(wrappingKey, keyData, CipherParameters.None).Output;
            case MechanismId.AesKeyWrapPad or MechanismId.AesKeyWrapKwp:
                return AesMechanisms.KeyWrapPad.Encrypt(wrappingKey, keyData, CipherParameters.None).Output;
            case MechanismId.AesKeyWrapPkcs7:
            {
                var padded = Pkcs7Pad(keyData);
                try
                {
                    return AesMechanisms.KeyWrap.Encrypt(wrappingKey, padded, CipherParameters.None).Output;
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(padded);
                }
            }
            case MechanismId.AesGcm:
            {
                var result = AesMechanisms.Gcm.Encrypt(wrappingKey, keyData, new CipherParameters { AssociatedData = parameters.AssociatedData });
                return [.. result.Iv, .. result.Output];
            }
            case MechanismId.RsaPkcsOaep:
                return RsaMechanisms.Oaep.Encrypt(wrappingKey, keyData, Oaep(parameters)).Output;
            case MechanismId.RsaAesKeyWrap:
            {
                if (parameters.AesKeyBits is not (128 or 192 or 256))
                {
                    throw new MechanismException(MechanismError.MechanismParamInvalid, "The temporary AES key is 128, 192 or 256 bits.");
                }
                var temporary = RandomNumberGenerator.GetBytes(parameters.AesKeyBits / 8);
                try
                {
                    var wrappedTemporary = RsaMechanisms.Oaep.Encrypt(wrappingKey, temporary, Oaep(parameters)).Output;
                    var wrappedKey = AesKeyWrap.WrapWithPadding(temporary, keyData);
                    return [.. wrappedTemporary, .. wrappedKey];
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(temporary);
                }
            }
            default:
                throw new MechanismException(MechanismError.MechanismInvalid, $"Mechanism 0x{(ulong)id:X} does not wrap keys.");
        }
    }

    /// <summary>The key bytes, or false when the wrapped form does not open under this key (the caller wipes the output).</summary>
    public static bool TryUnwrap(MechanismId id, ReadOnlySpan<byte> unwrappingKey, ReadOnlySpan<byte> wrapped, WrapParameters parameters, out byte[] keyData)
    {
        keyData = [];
        switch (id)
        {
            case MechanismId.AesKeyWrap:
                return AesMechanisms.KeyWrap.TryDecrypt(unwrappingKey, wrapped, CipherParameters.None, out keyData);
            case MechanismId.AesKeyWrapPad or MechanismId.AesKeyWrapKwp:
                return AesMechanisms.KeyWrapPad.TryDecrypt(unwrappingKey, wrapped, CipherParameters.None, out keyData);
            case MechanismId.AesKeyWrapPkcs7:
            {
                if (!AesMechanisms.KeyWrap.TryDecrypt(unwrappingKey, wrapped, CipherParameters.None, out var padded)) return false;
                try
                {
                    var pad = padded.Length == 0 ? 0 : padded[^1];
                    if (pad is < 1 or > 8 || pad > padded.Length) return false;
                    var bad = 0;
                    for (var i = padded.Length - pad; i < padded.Length; i++) bad |= padded[i] ^ pad;
                    if (bad != 0) return false;
                    keyData = padded[..^pad];
                    return true;
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(padded);
                }
            }
            case MechanismId.AesGcm:
                if (wrapped.Length < GcmIvLength + 16) return false;
                return AesMechanisms.Gcm.TryDecrypt(unwrappingKey, wrapped[GcmIvLength..],
                    new CipherParameters { Iv = wrapped[..GcmIvLength].ToArray(), AssociatedData = parameters.AssociatedData }, out keyData);
            case MechanismId.RsaPkcsOaep:
                return RsaMechanisms.Oaep.TryDecrypt(unwrappingKey, wrapped, Oaep(parameters), out keyData);
            case MechanismId.RsaAesKeyWrap:
            {
                var modulusBytes = RsaModulusBytes(unwrappingKey);
                if (wrapped.Length <= modulusBytes) return false;
                if (!RsaMechanisms.Oaep.TryDecrypt(unwrappingKey, wrapped[..modulusBytes], Oaep(parameters), out var temporary)) return false;
                try
                {
                    return temporary.Length is 16 or 24 or 32 && AesKeyWrap.TryUnwrapWithPadding(temporary, wrapped[modulusBytes..], out keyData);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(temporary);
                }
            }
            default:
                throw new MechanismException(MechanismError.MechanismInvalid, $"Mechanism 0x{(ulong)id:X} does not unwrap keys.");
        }
    }

    /// <summary>PKCS#7 padding to a multiple of 8 bytes (1 to 8 bytes of the pad length).</summary>
    private static byte[] Pkcs7Pad(ReadOnlySpan<byte> data)
    {
        var pad = 8 - data.Length % 8;
        var padded = new byte[data.Length + pad];
        data.CopyTo(padded);
        padded.AsSpan(data.Length).Fill((byte)pad);
        return padded;
    }

    private static CipherParameters Oaep(WrapParameters parameters) => new() { OaepHash = parameters.OaepHash };

    private static int RsaModulusBytes(ReadOnlySpan<byte> pkcs8)
    {
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
        }
        catch (CryptographicException e)
        {
            throw new MechanismException(MechanismError.KeyTypeInconsistent, "The unwrapping key is not an RSA private key.", e);
        }
        return rsa.KeySize / 8;
    }
}
