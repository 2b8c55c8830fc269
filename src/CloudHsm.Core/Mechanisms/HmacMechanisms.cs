using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;

namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// HMAC with SHA-2 (CKM_SHA224/256/384/512_HMAC), full-length tags. The same secret key signs and
/// verifies; verification compares in constant time.
/// </summary>
public static class HmacMechanisms
{
    /// <summary>Generic secret keys are 1 to 800 bytes here; the key policy sets any stricter minimum.</summary>
    public const int MaxKeyLength = 800;

    public static readonly ISignatureMechanism Sha224 = new Hmac(MechanismId.Sha224Hmac, DigestMechanisms.Sha224Length, HmacSha224);
    public static readonly ISignatureMechanism Sha256 = new Hmac(MechanismId.Sha256Hmac, HMACSHA256.HashSizeInBytes, static (k, d) => HMACSHA256.HashData(k, d));
    public static readonly ISignatureMechanism Sha384 = new Hmac(MechanismId.Sha384Hmac, HMACSHA384.HashSizeInBytes, static (k, d) => HMACSHA384.HashData(k, d));
    public static readonly ISignatureMechanism Sha512 = new Hmac(MechanismId.Sha512Hmac, HMACSHA512.HashSizeInBytes, static (k, d) => HMACSHA512.HashData(k, d));

    private delegate byte[] MacFunction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data);

    private sealed class Hmac(MechanismId id, int length, MacFunction mac) : ISignatureMechanism, ILoadedKeySignature
    {
        public MechanismId Id => id;
        public bool Approved => true;
        public bool VerifyApproved => true;

        public byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> data)
        {
            CheckKey(privateKey);
            return mac(privateKey, data);
        }

        public bool Accepts(LoadedKey key) => key.IsSecret;

        public byte[] Sign(LoadedKey key, ReadOnlySpan<byte> data) => Sign(key.Secret, data);

        public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            CheckKey(publicKey);
            if (signature.Length != length) return false;
            var expected = mac(publicKey, data);
            try
            {
                return CryptographicOperations.FixedTimeEquals(expected, signature);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(expected);
            }
        }
    }

    private static void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key.Length > MaxKeyLength)
        {
            throw new MechanismException(MechanismError.KeySizeRange, $"An HMAC key is 1 to {MaxKeyLength} bytes.");
        }
    }

    /// <summary>RFC 2104 over BouncyCastle's SHA-224 (block 64 bytes), with the padded keys wiped.</summary>
    private static byte[] HmacSha224(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        const int BlockLength = 64;
        var block = new byte[BlockLength];
        var inner = new byte[DigestMechanisms.Sha224Length];
        try
        {
            if (key.Length > BlockLength)
            {
                var hashed = DigestMechanisms.Sha224Hash(key);
                hashed.CopyTo(block, 0);
                CryptographicOperations.ZeroMemory(hashed);
            }
            else
            {
                key.CopyTo(block);
            }

            var digest = new Sha224Digest();
            Xor(block, 0x36);
            digest.BlockUpdate(block);
            digest.BlockUpdate(data);
            digest.DoFinal(inner);

            Xor(block, 0x36 ^ 0x5C);
            digest.BlockUpdate(block);
            digest.BlockUpdate(inner);
            var output = new byte[DigestMechanisms.Sha224Length];
            digest.DoFinal(output);
            digest.Reset();
            return output;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(block);
            CryptographicOperations.ZeroMemory(inner);
        }
    }

    private static void Xor(Span<byte> block, int pad)
    {
        for (var i = 0; i < block.Length; i++) block[i] ^= (byte)pad;
    }
}
