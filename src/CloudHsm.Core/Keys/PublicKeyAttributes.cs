using System.Formats.Asn1;
using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Keys;

/// <summary>
/// A public key given as PKCS#11 attributes (C_CreateObject): RSA MODULUS and PUBLIC_EXPONENT, EC
/// EC_PARAMS (named curve) and EC_POINT, Ed25519 EC_PARAMS and EC_POINT, turned into the
/// SubjectPublicKeyInfo that <see cref="KeyMaterialCodec.ParsePublic"/> takes like any imported key.
/// </summary>
public static class PublicKeyAttributes
{
    /// <summary>The attributes that carry the key itself; the node computes them again from it.</summary>
    public static readonly AttributeId[] KeyParts = [AttributeId.Modulus, AttributeId.PublicExponent, AttributeId.EcParams, AttributeId.EcPoint];

    public static byte[] SubjectPublicKeyInfo(KeyType type, AttributeSet template) => type switch
    {
        KeyType.Rsa => Rsa(Required(template, AttributeId.Modulus), Required(template, AttributeId.PublicExponent)),
        KeyType.Ec => Ec(Required(template, AttributeId.EcParams), Required(template, AttributeId.EcPoint)),
        KeyType.EcEdwards => Edwards(Required(template, AttributeId.EcParams), Required(template, AttributeId.EcPoint)),
        _ => throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, $"A {type} public key is not taken (RSA, EC, Ed25519)."),
    };

    private static byte[] Rsa(byte[] modulus, byte[] exponent)
    {
        try
        {
            using var rsa = System.Security.Cryptography.RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = Unsigned(modulus), Exponent = Unsigned(exponent) });
            return rsa.ExportSubjectPublicKeyInfo();
        }
        catch (CryptographicException)
        {
            throw Invalid("The MODULUS and PUBLIC_EXPONENT are not an RSA public key.");
        }
    }

    private static byte[] Ec(byte[] parameters, byte[] point)
    {
        var oid = ReadParameters(parameters);
        if (!EcMechanisms.SupportedCurveOids.Contains(oid))
        {
            throw new HsmException(HsmError.RET_CURVE_NOT_SUPPORTED, "Only P-256, P-384, P-521 and secp256k1 keys are taken.");
        }
        var q = Point(point);
        if (q.Length % 2 != 1 || q[0] != 0x04)
        {
            throw Invalid("EC_POINT is not an uncompressed point (04 || X || Y).");
        }
        var half = q.Length / 2;
        try
        {
            using var ec = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.CreateFromValue(oid),
                Q = new ECPoint { X = q[1..(1 + half)], Y = q[(1 + half)..] },
            });
            return ec.ExportSubjectPublicKeyInfo();
        }
        catch (CryptographicException)
        {
            throw Invalid("EC_POINT is not a point of the curve.");
        }
    }

    private static byte[] Edwards(byte[] parameters, byte[] point)
    {
        if (ReadParameters(parameters) is not (KeyGeneration.Ed25519Oid or "edwards25519"))
        {
            throw new HsmException(HsmError.RET_CURVE_NOT_SUPPORTED, "Only Ed25519 Edwards keys are taken.");
        }
        var raw = Point(point);
        if (raw.Length != Ed25519.PublicKeyLength) throw Invalid("An Ed25519 EC_POINT is 32 bytes.");
        return [.. KeyMaterialCodec.Ed25519SpkiPrefix, .. raw];
    }

    /// <summary>EC_PARAMS: a named curve's DER OID, or (PKCS#11 3.0, Edwards curves) a PrintableString name.</summary>
    private static string ReadParameters(byte[] parameters)
    {
        try
        {
            var reader = new AsnReader(parameters, AsnEncodingRules.DER);
            var name = reader.PeekTag().HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.PrintableString))
                ? reader.ReadCharacterString(UniversalTagNumber.PrintableString)
                : reader.ReadObjectIdentifier();
            reader.ThrowIfNotEmpty();
            return name;
        }
        catch (AsnContentException)
        {
            throw Invalid("EC_PARAMS is not a named curve.");
        }
    }

    /// <summary>EC_POINT as PKCS#11 says (a DER OCTET STRING), or the raw point some clients give.</summary>
    private static byte[] Point(byte[] point)
    {
        try
        {
            var reader = new AsnReader(point, AsnEncodingRules.DER);
            var inner = reader.ReadOctetString();
            reader.ThrowIfNotEmpty();
            return inner;
        }
        catch (AsnContentException)
        {
            return point;
        }
    }

    private static byte[] Unsigned(byte[] value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0) start++;
        return value[start..];
    }

    private static byte[] Required(AttributeSet template, AttributeId id) =>
        template.Raw(id) ?? throw new HsmException(HsmError.RET_TEMPLATE_INCOMPLETE, $"A public key's template holds its {id}.");

    private static HsmException Invalid(string message) => new(HsmError.RET_ATTRIBUTE_VALUE_INVALID, message);
}
