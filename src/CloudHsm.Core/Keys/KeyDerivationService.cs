using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Keys;

/// <summary>Parameters of a derivation; each mechanism reads the ones it knows.</summary>
public sealed record DeriveParameters
{
    /// <summary>ECDH: the other party's public point (uncompressed 04|X|Y, as a DER OCTET STRING, or a SubjectPublicKeyInfo).</summary>
    public ReadOnlyMemory<byte> PublicData { get; init; }

    /// <summary>SP 800-108: the PRF, <see cref="MechanismId.Sha256Hmac"/> (default), Sha384Hmac or Sha512Hmac.</summary>
    public MechanismId Prf { get; init; } = MechanismId.Sha256Hmac;

    /// <summary>SP 800-108: Label and Context of the fixed input (Label || 0x00 || Context || [L]32).</summary>
    public ReadOnlyMemory<byte> Label { get; init; }
    public ReadOnlyMemory<byte> Context { get; init; }
}

/// <summary>
/// Derivation of new keys from a base key with DERIVE = 1: ECDH (CKM_ECDH1_DERIVE, no KDF: the key is
/// the leading bytes of the shared x-coordinate) on P-256/384/521, and the SP 800-108 counter KDF
/// (CKM_SP800_108_COUNTER_KDF, HMAC-SHA-2 PRF, 32-bit counter before the fixed input) from an AES or
/// generic-secret key. The derived key obeys the same attribute rules as every other new key;
/// ALWAYS_SENSITIVE and NEVER_EXTRACTABLE carry the base key's history.
/// </summary>
public sealed class KeyDerivationService(KeyObjects objects)
{
    public async ValueTask<ulong> DeriveAsync(LoginContext caller, ulong baseHandle, MechanismId mechanism, DeriveParameters parameters,
        KeyType type, int lengthBytes, AttributeSet template, CancellationToken ct = default)
    {
        objects.RequireNotRestricted(caller, UserRestrictions.NoDerive, "derive keys");
        if (mechanism is not (MechanismId.Ecdh1Derive or MechanismId.Sp800108CounterKdf))
        {
            throw new HsmException(HsmError.RET_MECHANISM_INVALID, $"Mechanism 0x{(ulong)mechanism:X} does not derive keys (ECDH1 and the SP 800-108 counter KDF do).");
        }
        var baseKey = objects.Usable(caller, baseHandle, AttributeId.Derive, ObjectClass.PrivateKey, ObjectClass.SecretKey);
        var attributes = AttributePolicy.ForNewKey(ObjectClass.SecretKey, type, template, AttributePolicy.Origin.Derived, baseKey.Attributes);
        if (lengthBytes is < 1 or > 800) throw new HsmException(HsmError.RET_KEY_SIZE_RANGE, "A derived key is 1 to 800 bytes (AES: 16, 24 or 32).");
        KeyMaterialCodec.RequireSecretType(type); // type and length checked before any work
        KeyGeneration.RequireSecretLength(type, lengthBytes);
        var value = mechanism == MechanismId.Ecdh1Derive
            ? objects.WithMaterial(baseKey, m => Ecdh(baseKey, m, parameters, lengthBytes))
            : objects.WithMaterial(baseKey, m => CounterKdf(baseKey, m, parameters, lengthBytes));
        objects.NoteUse(baseKey);
        var computed = KeyGeneration.SecretAttributes(type, value).With(AttributeId.KeyGenMechanism, (ulong)mechanism);
        var handles = await objects.CreateAsync(caller, [(KeyService.Merge(attributes, computed), value)], ct: ct);
        return handles[0];
    }

    private static byte[] Ecdh(KeyRecord baseKey, byte[] privatePkcs8, DeriveParameters parameters, int length)
    {
        if (baseKey.KeyType != KeyType.Ec) throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, "ECDH derives from an EC private key.");
        using var own = ECDiffieHellman.Create();
        own.ImportPkcs8PrivateKey(privatePkcs8, out _);
        var curve = own.ExportParameters(false).Curve;
        if (!EcMechanisms.IsApprovedCurve(curve.Oid?.Value ?? ""))
        {
            throw new HsmException(HsmError.RET_CURVE_NOT_SUPPORTED, "ECDH runs on P-256, P-384 and P-521.");
        }
        using var peer = PeerKey(parameters.PublicData.Span, curve, own.ExportParameters(false).Q.X!.Length);
        byte[] secret;
        try
        {
            secret = own.DeriveRawSecretAgreement(peer.PublicKey);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new HsmException(HsmError.RET_MECHANISM_PARAM_INVALID, "The other party's public key is not on the key's curve.");
        }
        try
        {
            if (length > secret.Length) throw new HsmException(HsmError.RET_KEY_SIZE_RANGE, $"ECDH on this curve gives at most {secret.Length} bytes.");
            return secret.AsSpan(0, length).ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static ECDiffieHellman PeerKey(ReadOnlySpan<byte> publicData, ECCurve curve, int coordinateLength)
    {
        try
        {
            var point = publicData.ToArray();
            if (point.Length > 0 && point[0] == 0x30)
            {
                var peer = ECDiffieHellman.Create();
                peer.ImportSubjectPublicKeyInfo(point, out _);
                return peer;
            }
            if (point.Length != 1 + 2 * coordinateLength && point.Length > 2 && point[0] == 0x04)
            {
                point = new System.Formats.Asn1.AsnReader(point, System.Formats.Asn1.AsnEncodingRules.DER).ReadOctetString(); // EC_POINT form
            }
            var half = coordinateLength;
            if (point.Length != 1 + 2 * half || point[0] != 0x04)
            {
                throw new HsmException(HsmError.RET_MECHANISM_PARAM_INVALID, "The other party's public key is an uncompressed point (04|X|Y) or a SubjectPublicKeyInfo.");
            }
            return ECDiffieHellman.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = point[1..(1 + half)].ToArray(), Y = point[(1 + half)..].ToArray() } });
        }
        catch (Exception e) when (e is CryptographicException or System.Formats.Asn1.AsnContentException)
        {
            throw new HsmException(HsmError.RET_MECHANISM_PARAM_INVALID, "The other party's public key is not a point on the key's curve.");
        }
    }

    private static byte[] CounterKdf(KeyRecord baseKey, byte[] keyValue, DeriveParameters parameters, int length)
    {
        if (baseKey.Class != ObjectClass.SecretKey) throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, "The SP 800-108 KDF derives from a secret key.");
        var hash = parameters.Prf switch
        {
            MechanismId.Sha256Hmac => HashAlgorithmName.SHA256,
            MechanismId.Sha384Hmac => HashAlgorithmName.SHA384,
            MechanismId.Sha512Hmac => HashAlgorithmName.SHA512,
            _ => throw new HsmException(HsmError.RET_MECHANISM_PARAM_INVALID, "The SP 800-108 PRF is HMAC-SHA-256, -384 or -512."),
        };
        if (parameters.Label.Length > 1024 || parameters.Context.Length > 1024)
        {
            throw new HsmException(HsmError.RET_MECHANISM_PARAM_INVALID, "Label and context are at most 1024 bytes each.");
        }
        return SP800108HmacCounterKdf.DeriveBytes(keyValue, hash, parameters.Label.Span, parameters.Context.Span, length);
    }
}
