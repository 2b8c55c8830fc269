using System.Security.Cryptography;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// Ed25519 signatures (RFC 8032, pure; CKM_EDDSA without parameters) through BouncyCastle.
/// Keys are the raw 32-byte private seed and 32-byte public point. A signature that does not
/// verify is a <c>false</c> result, never an exception; a private key of the wrong length throws.
/// </summary>
public static class Ed25519
{
    public const int PrivateKeyLength = 32;
    public const int PublicKeyLength = 32;
    public const int SignatureLength = 64;

    /// <summary>A fresh key pair; the caller owns (and should wipe) the private key.</summary>
    public static (byte[] PrivateKey, byte[] PublicKey) GenerateKeyPair()
    {
        var privateKey = RandomNumberGenerator.GetBytes(PrivateKeyLength);
        return (privateKey, PublicKeyOf(privateKey));
    }

    public static byte[] PublicKeyOf(ReadOnlySpan<byte> privateKey)
    {
        CheckPrivateKey(privateKey);
        var publicKey = new byte[PublicKeyLength];
        BcEd25519.GeneratePublicKey(privateKey, publicKey);
        return publicKey;
    }

    public static byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> message)
    {
        CheckPrivateKey(privateKey);
        var signature = new byte[SignatureLength];
        BcEd25519.Sign(privateKey, message, signature);
        return signature;
    }

    /// <summary>True only for a valid signature; false for keys or signatures of the wrong length or shape.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeyLength || signature.Length != SignatureLength) return false;
        return BcEd25519.Verify(signature, publicKey, message);
    }

    private static void CheckPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != PrivateKeyLength)
        {
            throw new ArgumentException("An Ed25519 private key is 32 bytes.", nameof(privateKey));
        }
    }
}
