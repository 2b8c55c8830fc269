using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// The one lookup from a mechanism number to its implementation. Adding a mechanism means one entry
/// in its family file and one line here; nothing else switches on mechanism numbers.
/// </summary>
public static class MechanismRegistry
{
    private static readonly FrozenDictionary<MechanismId, ISignatureMechanism> Signatures = Index<ISignatureMechanism>(
    [
        RsaMechanisms.Sha1Pkcs,
        RsaMechanisms.Sha256Pkcs,
        RsaMechanisms.Sha384Pkcs,
        RsaMechanisms.Sha512Pkcs,
        RsaMechanisms.Sha256Pss,
        RsaMechanisms.Sha384Pss,
        RsaMechanisms.Sha512Pss,
        RsaMechanisms.PssOnDigest,
        RsaMechanisms.Pkcs1OnDigestInfo,
        RsaMechanisms.Sha1Pss,
        RsaMechanisms.Sha224Pkcs,
        RsaMechanisms.Sha224Pss,
        EcMechanisms.EcdsaOnDigest,
        EcMechanisms.EcdsaSha1,
        EcMechanisms.EcdsaSha224,
        EcMechanisms.EcdsaSha256,
        EcMechanisms.EcdsaSha384,
        EcMechanisms.EcdsaSha512,
        EdDsaMechanisms.Ed25519Pure,
        HmacMechanisms.Sha224,
        HmacMechanisms.Sha256,
        HmacMechanisms.Sha384,
        HmacMechanisms.Sha512,
    ], m => m.Id);

    private static readonly FrozenDictionary<MechanismId, ICipherMechanism> Ciphers = Index<ICipherMechanism>(
    [
        AesMechanisms.Gcm,
        AesMechanisms.CbcPad,
        AesMechanisms.Ctr,
        AesMechanisms.KeyWrap,
        AesMechanisms.KeyWrapPad,
        RsaMechanisms.Oaep,
        RsaMechanisms.Pkcs1v15,
    ], m => m.Id);

    private static readonly FrozenDictionary<MechanismId, IDigestMechanism> Digests = Index<IDigestMechanism>(
    [
        DigestMechanisms.Sha1,
        DigestMechanisms.Sha224,
        DigestMechanisms.Sha256,
        DigestMechanisms.Sha384,
        DigestMechanisms.Sha512,
    ], m => m.Id);

    /// <summary>
    /// Every implemented mechanism, each once, in numeric order. CKM_RSA_PKCS is the one number
    /// of two kinds, as in PKCS#11: signing over a DigestInfo and (non-FIPS) encryption.
    /// </summary>
    public static IEnumerable<MechanismId> All { get; } =
        Array.AsReadOnly(Signatures.Keys.Concat(Ciphers.Keys).Concat(Digests.Keys).Distinct().Order().ToArray());

    public static bool TryGetSignature(MechanismId id, [MaybeNullWhen(false)] out ISignatureMechanism mechanism) =>
        Signatures.TryGetValue(id, out mechanism);

    public static bool TryGetCipher(MechanismId id, [MaybeNullWhen(false)] out ICipherMechanism mechanism) =>
        Ciphers.TryGetValue(id, out mechanism);

    public static bool TryGetDigest(MechanismId id, [MaybeNullWhen(false)] out IDigestMechanism mechanism) =>
        Digests.TryGetValue(id, out mechanism);

    /// <summary>Builds one kind's table; a mechanism number registered twice fails at type initialisation.</summary>
    private static FrozenDictionary<MechanismId, T> Index<T>(T[] mechanisms, Func<T, MechanismId> idOf) =>
        mechanisms.ToDictionary(idOf).ToFrozenDictionary();
}
