using System.Formats.Asn1;
using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Keys;

/// <summary>Key material from outside, as the partition stores it: its type, its material (the caller wipes it) and its computed attributes.</summary>
public sealed record ParsedKey(ObjectClass Class, KeyType Type, byte[] Material, AttributeSet Computed);

/// <summary>
/// The forms key material takes on the way in and out: PKCS#8 for private keys (RSA, EC, Ed25519
/// as RFC 8410), SubjectPublicKeyInfo for public keys, raw bytes for secret keys. The partition
/// stores RSA and EC private keys as PKCS#8, Ed25519 ones as the raw 32-byte seed, public keys as
/// SubjectPublicKeyInfo (Ed25519: raw point).
/// </summary>
public static class KeyMaterialCodec
{
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private static readonly byte[] Ed25519Pkcs8Prefix = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    internal static readonly byte[] Ed25519SpkiPrefix = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00];

    /// <summary>A private key from PKCS#8 DER (unencrypted).</summary>
    public static ParsedKey ParsePrivate(ReadOnlySpan<byte> pkcs8)
    {
        var algorithm = AlgorithmOf(pkcs8, isPrivate: true);
        try
        {
            switch (algorithm)
            {
                case RsaOid:
                {
                    using var rsa = RSA.Create();
                    rsa.ImportPkcs8PrivateKey(pkcs8, out _);
                    if (rsa.KeySize is < RsaMechanisms.MinModulusBits or > RsaMechanisms.MaxModulusBits)
                    {
                        throw new HsmException(HsmError.RET_KEY_SIZE_RANGE, "An RSA key is 2048 to 4096 bits.");
                    }
                    return new ParsedKey(ObjectClass.PrivateKey, KeyType.Rsa, rsa.ExportPkcs8PrivateKey(), KeyGeneration.RsaAttributes(rsa));
                }
                case EcPublicKeyOid:
                {
                    using var ec = ECDsa.Create();
                    ec.ImportPkcs8PrivateKey(pkcs8, out _);
                    var parameters = ec.ExportParameters(false);
                    var oid = CurveOid(parameters.Curve);
                    return new ParsedKey(ObjectClass.PrivateKey, KeyType.Ec, ec.ExportPkcs8PrivateKey(), KeyGeneration.EcAttributes(oid, parameters.Q));
                }
                case KeyGeneration.Ed25519Oid:
                {
                    if (pkcs8.Length != Ed25519Pkcs8Prefix.Length + Ed25519.PrivateKeyLength || !pkcs8.StartsWith(Ed25519Pkcs8Prefix))
                    {
                        throw Invalid("The Ed25519 private key is not in the RFC 8410 form.");
                    }
                    var seed = pkcs8[Ed25519Pkcs8Prefix.Length..].ToArray();
                    return new ParsedKey(ObjectClass.PrivateKey, KeyType.EcEdwards, seed, KeyGeneration.Ed25519Attributes(Ed25519.PublicKeyOf(seed)));
                }
                default:
                    throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, "Only RSA, EC and Ed25519 private keys are taken.");
            }
        }
        catch (CryptographicException)
        {
            throw Invalid("The private key is not a PKCS#8 key the partition can read.");
        }
    }

    /// <summary>A public key from SubjectPublicKeyInfo DER, or PEM ("PUBLIC KEY").</summary>
    public static ParsedKey ParsePublic(ReadOnlySpan<byte> input)
    {
        var spki = FromPem(input, "PUBLIC KEY");
        var algorithm = AlgorithmOf(spki, isPrivate: false);
        try
        {
            switch (algorithm)
            {
                case RsaOid:
                {
                    using var rsa = RSA.Create();
                    rsa.ImportSubjectPublicKeyInfo(spki, out _);
                    if (rsa.KeySize is < RsaMechanisms.MinModulusBits or > RsaMechanisms.MaxModulusBits)
                    {
                        throw new HsmException(HsmError.RET_KEY_SIZE_RANGE, "An RSA key is 2048 to 4096 bits.");
                    }
                    return new ParsedKey(ObjectClass.PublicKey, KeyType.Rsa, rsa.ExportSubjectPublicKeyInfo(), KeyGeneration.RsaAttributes(rsa));
                }
                case EcPublicKeyOid:
                {
                    using var ec = ECDsa.Create();
                    ec.ImportSubjectPublicKeyInfo(spki, out _);
                    var parameters = ec.ExportParameters(false);
                    return new ParsedKey(ObjectClass.PublicKey, KeyType.Ec, ec.ExportSubjectPublicKeyInfo(),
                        KeyGeneration.EcAttributes(CurveOid(parameters.Curve), parameters.Q));
                }
                case KeyGeneration.Ed25519Oid:
                {
                    if (spki.Length != Ed25519SpkiPrefix.Length + Ed25519.PublicKeyLength || !spki.AsSpan().StartsWith(Ed25519SpkiPrefix))
                    {
                        throw Invalid("The Ed25519 public key is not in the RFC 8410 form.");
                    }
                    var point = spki[Ed25519SpkiPrefix.Length..];
                    return new ParsedKey(ObjectClass.PublicKey, KeyType.EcEdwards, point, KeyGeneration.Ed25519Attributes(point));
                }
                default:
                    throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, "Only RSA, EC and Ed25519 public keys are taken.");
            }
        }
        catch (CryptographicException)
        {
            throw Invalid("The public key is not a SubjectPublicKeyInfo the partition can read.");
        }
    }

    /// <summary>A secret key's raw value, checked for its type's lengths.</summary>
    public static ParsedKey ParseSecret(KeyType type, ReadOnlySpan<byte> value)
    {
        RequireSecretType(type);
        KeyGeneration.RequireSecretLength(type, value.Length);
        return new ParsedKey(ObjectClass.SecretKey, type, value.ToArray(), KeyGeneration.SecretAttributes(type, value));
    }

    /// <summary>Refuses a key type that is not a secret key's (AES, generic secret) with RET_KEY_TYPE_INCONSISTENT.</summary>
    public static void RequireSecretType(KeyType type)
    {
        if (type is not (KeyType.Aes or KeyType.GenericSecret))
        {
            throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, $"{type} is not a secret key type.");
        }
    }

    /// <summary>The bytes a key leaves as when wrapped or exported: secret keys raw, private keys PKCS#8.</summary>
    public static byte[] ExportForm(KeyRecord key, byte[] material) => key.Class switch
    {
        ObjectClass.SecretKey => material.ToArray(),
        ObjectClass.PrivateKey when key.KeyType == KeyType.EcEdwards => [.. Ed25519Pkcs8Prefix, .. material],
        ObjectClass.PrivateKey => material.ToArray(),
        _ => throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, "Only secret and private keys are wrapped; public keys are exported as they are."),
    };

    /// <summary>A public key object's SubjectPublicKeyInfo (Ed25519 public keys are stored raw).</summary>
    public static byte[] SubjectPublicKeyInfo(KeyRecord key, byte[] material) =>
        key.KeyType == KeyType.EcEdwards ? [.. Ed25519SpkiPrefix, .. material] : material.ToArray();

    /// <summary>DER as is, or the body of a PEM block of the given label.</summary>
    public static byte[] FromPem(ReadOnlySpan<byte> input, string label)
    {
        var trimmed = input.TrimStart((byte)' ');
        if (!trimmed.StartsWith("-----BEGIN "u8)) return input.ToArray();
        var text = System.Text.Encoding.ASCII.GetString(input);
        if (!PemEncoding.TryFind(text, out var fields) || text[fields.Label] != label)
        {
            throw Invalid($"Expected a PEM \"{label}\" block.");
        }
        return Convert.FromBase64String(text[fields.Base64Data]);
    }

    private static string AlgorithmOf(ReadOnlySpan<byte> der, bool isPrivate)
    {
        try
        {
            var reader = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            if (isPrivate) sequence.ReadInteger();
            var algorithm = sequence.ReadSequence();
            return algorithm.ReadObjectIdentifier();
        }
        catch (AsnContentException)
        {
            throw Invalid(isPrivate ? "The private key is not PKCS#8 DER." : "The public key is not SubjectPublicKeyInfo DER or PEM.");
        }
    }

    private static string CurveOid(ECCurve curve)
    {
        var oid = curve.Oid?.Value;
        if (oid is null && curve.Oid?.FriendlyName is { } name) oid = Oid.FromFriendlyName(name, OidGroup.PublicKeyAlgorithm).Value;
        return oid is not null && EcMechanisms.SupportedCurveOids.Contains(oid)
            ? oid
            : throw new HsmException(HsmError.RET_CURVE_NOT_SUPPORTED, "Only P-256, P-384, P-521 and secp256k1 keys are taken.");
    }

    private static HsmException Invalid(string message) => new(HsmError.RET_WRAPPED_KEY_INVALID, message);
}
