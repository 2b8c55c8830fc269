using System.Formats.Asn1;
using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Keys;

/// <summary>Fresh key material in clear (the caller seals and wipes it) and the attributes the partition computes.</summary>
public sealed record GeneratedKey(byte[] Material, AttributeSet Computed);

/// <summary>
/// Makes keys: random material and the node-computed attributes (VALUE_LEN, KCV, MODULUS, EC_POINT,
/// KEY_GEN_MECHANISM). Private and secret material comes back in clear for sealing; public parts as
/// attributes.
/// </summary>
public static class KeyGeneration
{
    public const string Ed25519Oid = "1.3.101.112";

    public static GeneratedKey Symmetric(KeyType type, int lengthBytes)
    {
        var mechanism = type switch
        {
            KeyType.Aes => MechanismId.AesKeyGen,
            KeyType.GenericSecret => MechanismId.GenericSecretKeyGen,
            _ => throw new HsmException(HsmError.RET_INVALID_INPUT, $"{type} is not a symmetric key type."),
        };
        RequireSecretLength(type, lengthBytes);
        var value = RandomNumberGenerator.GetBytes(lengthBytes);
        return new GeneratedKey(value, SecretAttributes(type, value).With(AttributeId.KeyGenMechanism, (ulong)mechanism));
    }

    /// <summary>The lengths a secret key may have: AES 16, 24 or 32 bytes, a generic secret 8 to 800 (RET_KEY_SIZE_RANGE otherwise).</summary>
    public static void RequireSecretLength(KeyType type, int lengthBytes)
    {
        switch (type)
        {
            case KeyType.Aes when lengthBytes is not (16 or 24 or 32):
                throw new HsmException(HsmError.RET_KEY_SIZE_RANGE, "An AES key is 16, 24 or 32 bytes.");
            case KeyType.GenericSecret when lengthBytes is < 8 or > 800:
                throw new HsmException(HsmError.RET_KEY_SIZE_RANGE, "A generic secret is 8 to 800 bytes.");
        }
    }

    /// <summary>An RSA pair: private PKCS#8, and the public attributes (MODULUS, PUBLIC_EXPONENT, MODULUS_BITS).</summary>
    public static (GeneratedKey Private, GeneratedKey Public) Rsa(int bits, ulong publicExponent = 65537)
    {
        if (bits is not (2048 or 3072 or 4096))
        {
            throw new HsmException(HsmError.RET_KEY_SIZE_RANGE, "An RSA key is 2048, 3072 or 4096 bits.");
        }
        if (publicExponent != 65537)
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, "The public exponent must be 65537.");
        }
        using var rsa = System.Security.Cryptography.RSA.Create(bits);
        var common = RsaAttributes(rsa).With(AttributeId.KeyGenMechanism, (ulong)MechanismId.RsaPkcsKeyPairGen);
        return (new GeneratedKey(rsa.ExportPkcs8PrivateKey(), common), new GeneratedKey(rsa.ExportSubjectPublicKeyInfo(), common));
    }

    /// <summary>An EC pair on a named curve (OID): private PKCS#8, public EC_PARAMS and EC_POINT.</summary>
    public static (GeneratedKey Private, GeneratedKey Public) Ec(string curveOid)
    {
        if (!EcMechanisms.SupportedCurveOids.Contains(curveOid))
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, $"Curve {curveOid} is not supported (P-256, P-384, P-521, secp256k1).");
        }
        using var ec = ECDsa.Create(ECCurve.CreateFromValue(curveOid));
        var common = EcAttributes(curveOid, ec.ExportParameters(false).Q).With(AttributeId.KeyGenMechanism, (ulong)MechanismId.EcKeyPairGen);
        return (new GeneratedKey(ec.ExportPkcs8PrivateKey(), common), new GeneratedKey(ec.ExportSubjectPublicKeyInfo(), common));
    }

    /// <summary>An Ed25519 pair: private raw 32 bytes, public EC_PARAMS (id-Ed25519) and EC_POINT.</summary>
    public static (GeneratedKey Private, GeneratedKey Public) Ed25519Pair()
    {
        var (privateKey, publicKey) = Mechanisms.Ed25519.GenerateKeyPair();
        var common = Ed25519Attributes(publicKey).With(AttributeId.KeyGenMechanism, (ulong)MechanismId.EcEdwardsKeyPairGen);
        return (new GeneratedKey(privateKey, common), new GeneratedKey(publicKey, common));
    }

    /// <summary>VALUE_LEN and KCV of a secret key (AES: first 3 bytes of E(0); generic secret: of SHA-1).</summary>
    public static AttributeSet SecretAttributes(KeyType type, ReadOnlySpan<byte> value)
    {
        byte[] kcv;
        if (type == KeyType.Aes)
        {
            using var aes = Aes.Create();
            aes.Key = value.ToArray();
            kcv = aes.EncryptEcb(new byte[16], PaddingMode.None).AsSpan(0, 3).ToArray();
        }
        else
        {
            kcv = SHA1.HashData(value).AsSpan(0, 3).ToArray();
        }
        return AttributeSet.Empty.With(AttributeId.ValueLen, (ulong)value.Length).With(AttributeId.Kcv, kcv);
    }

    /// <summary>MODULUS, PUBLIC_EXPONENT, MODULUS_BITS of an RSA key.</summary>
    public static AttributeSet RsaAttributes(RSA rsa)
    {
        var parameters = rsa.ExportParameters(false);
        return AttributeSet.Empty
            .With(AttributeId.Modulus, parameters.Modulus!)
            .With(AttributeId.PublicExponent, parameters.Exponent!)
            .With(AttributeId.ModulusBits, (ulong)rsa.KeySize);
    }

    /// <summary>EC_PARAMS (named curve) and EC_POINT (DER OCTET STRING of the uncompressed point).</summary>
    public static AttributeSet EcAttributes(string curveOid, ECPoint point)
    {
        var uncompressed = new byte[1 + point.X!.Length + point.Y!.Length];
        uncompressed[0] = 0x04;
        point.X.CopyTo(uncompressed, 1);
        point.Y.CopyTo(uncompressed, 1 + point.X.Length);
        return AttributeSet.Empty.With(AttributeId.EcParams, DerOid(curveOid)).With(AttributeId.EcPoint, DerOctetString(uncompressed));
    }

    public static AttributeSet Ed25519Attributes(byte[] publicKey) =>
        AttributeSet.Empty.With(AttributeId.EcParams, DerOid(Ed25519Oid)).With(AttributeId.EcPoint, DerOctetString(publicKey));

    private static byte[] DerOid(string oid)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteObjectIdentifier(oid);
        return writer.Encode();
    }

    private static byte[] DerOctetString(byte[] value)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(value);
        return writer.Encode();
    }
}
