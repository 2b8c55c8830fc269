using System.Collections.Frozen;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Module;

/// <summary>What a mechanism's parameter must be.</summary>
internal enum ParameterKind { None, Gcm, CbcIv, Ctr, Oaep, Pss, AesKeyWrap, AesKeyWrapPad, RsaAesKeyWrap, Ecdh, Sp800108 }

/// <summary>One mechanism as C_GetMechanismInfo describes it, with the key types it takes.</summary>
internal sealed record MechanismEntry(ulong Id, ulong Flags, ulong MinKeySize, ulong MaxKeySize, ulong[] KeyTypes, ParameterKind Parameter = ParameterKind.None,
    ulong PssHash = 0);

/// <summary>
/// The mechanisms the node performs (approved ones; the non-FIPS switch's extras are not listed),
/// as one table: the mechanism list, the mechanism info, and the checks of every *Init read it.
/// </summary>
internal static class Mechanisms
{
    private const ulong SignVerify = Ckf.SIGN | Ckf.VERIFY;
    private const ulong Cipher = Ckf.ENCRYPT | Ckf.DECRYPT;
    private const ulong Wrap = Ckf.WRAP | Ckf.UNWRAP;
    private const ulong EcFlags = Ckf.EC_F_P | Ckf.EC_NAMEDCURVE | Ckf.EC_UNCOMPRESS;
    private static readonly ulong[] Rsa = [Ckk.RSA];
    private static readonly ulong[] Ec = [Ckk.EC];
    private static readonly ulong[] Ed = [Ckk.EC_EDWARDS];
    private static readonly ulong[] Aes = [Ckk.AES];
    private static readonly ulong[] Generic = [Ckk.GENERIC_SECRET];
    private static readonly ulong[] Secret = [Ckk.AES, Ckk.GENERIC_SECRET];
    private static readonly ulong[] None = [];

    private static readonly MechanismEntry[] Entries =
    [
        new(Ckm.RSA_PKCS_KEY_PAIR_GEN, Ckf.GENERATE_KEY_PAIR, 2048, 4096, Rsa),
        new(Ckm.RSA_PKCS_OAEP, Cipher | Wrap, 2048, 4096, Rsa, ParameterKind.Oaep),
        new(Ckm.RSA_AES_KEY_WRAP, Wrap, 2048, 4096, Rsa, ParameterKind.RsaAesKeyWrap),
        new(Ckm.RSA_PKCS_PSS, SignVerify, 2048, 4096, Rsa, ParameterKind.Pss),
        new(Ckm.SHA224_RSA_PKCS, SignVerify, 2048, 4096, Rsa),
        new(Ckm.SHA256_RSA_PKCS, SignVerify, 2048, 4096, Rsa),
        new(Ckm.SHA384_RSA_PKCS, SignVerify, 2048, 4096, Rsa),
        new(Ckm.SHA512_RSA_PKCS, SignVerify, 2048, 4096, Rsa),
        new(Ckm.SHA224_RSA_PKCS_PSS, SignVerify, 2048, 4096, Rsa, ParameterKind.Pss, Ckm.SHA224),
        new(Ckm.SHA256_RSA_PKCS_PSS, SignVerify, 2048, 4096, Rsa, ParameterKind.Pss, Ckm.SHA256),
        new(Ckm.SHA384_RSA_PKCS_PSS, SignVerify, 2048, 4096, Rsa, ParameterKind.Pss, Ckm.SHA384),
        new(Ckm.SHA512_RSA_PKCS_PSS, SignVerify, 2048, 4096, Rsa, ParameterKind.Pss, Ckm.SHA512),
        // sign/verify only: PKCS#1 v1.5 over a DigestInfo of SHA-256/384/512 (libp11, GnuTLS)
        new(Ckm.RSA_PKCS, SignVerify, 2048, 4096, Rsa),
        new(Ckm.SHA256, Ckf.DIGEST, 0, 0, None),
        new(Ckm.SHA224, Ckf.DIGEST, 0, 0, None),
        new(Ckm.SHA384, Ckf.DIGEST, 0, 0, None),
        new(Ckm.SHA512, Ckf.DIGEST, 0, 0, None),
        // HMAC and generic-secret sizes in bytes
        new(Ckm.SHA256_HMAC, SignVerify, 8, 800, Generic),
        new(Ckm.SHA224_HMAC, SignVerify, 8, 800, Generic),
        new(Ckm.SHA384_HMAC, SignVerify, 8, 800, Generic),
        new(Ckm.SHA512_HMAC, SignVerify, 8, 800, Generic),
        new(Ckm.GENERIC_SECRET_KEY_GEN, Ckf.GENERATE, 8, 800, Generic),
        new(Ckm.EC_KEY_PAIR_GEN, Ckf.GENERATE_KEY_PAIR | EcFlags, 256, 521, Ec),
        new(Ckm.ECDSA, SignVerify | EcFlags, 256, 521, Ec),
        new(Ckm.ECDSA_SHA224, SignVerify | EcFlags, 256, 521, Ec),
        new(Ckm.ECDSA_SHA256, SignVerify | EcFlags, 256, 521, Ec),
        new(Ckm.ECDSA_SHA384, SignVerify | EcFlags, 256, 521, Ec),
        new(Ckm.ECDSA_SHA512, SignVerify | EcFlags, 256, 521, Ec),
        // ECDH on the NIST curves (the node refuses secp256k1 here), no KDF
        new(Ckm.ECDH1_DERIVE, Ckf.DERIVE | EcFlags, 256, 521, Ec, ParameterKind.Ecdh),
        // SP 800-108 counter KDF from an AES or generic secret key (bytes)
        new(Ckm.SP800_108_COUNTER_KDF, Ckf.DERIVE, 8, 800, Secret, ParameterKind.Sp800108),
        new(Ckm.EC_EDWARDS_KEY_PAIR_GEN, Ckf.GENERATE_KEY_PAIR, 255, 255, Ed),
        new(Ckm.EDDSA, SignVerify, 255, 255, Ed),
        // AES sizes in bytes
        new(Ckm.AES_KEY_GEN, Ckf.GENERATE, 16, 32, Aes),
        new(Ckm.AES_CBC_PAD, Cipher, 16, 32, Aes, ParameterKind.CbcIv),
        new(Ckm.AES_CTR, Cipher, 16, 32, Aes, ParameterKind.Ctr),
        new(Ckm.AES_GCM, Cipher | Wrap, 16, 32, Aes, ParameterKind.Gcm),
        new(Ckm.AES_KEY_WRAP, Wrap, 16, 32, Aes, ParameterKind.AesKeyWrap),
        new(Ckm.AES_KEY_WRAP_PAD, Wrap, 16, 32, Aes, ParameterKind.AesKeyWrapPad),
        new(Ckm.AES_KEY_WRAP_KWP, Wrap, 16, 32, Aes, ParameterKind.AesKeyWrapPad),
        new(Ckm.AES_KEY_WRAP_PKCS7, Wrap, 16, 32, Aes, ParameterKind.AesKeyWrap),
    ];

    private static readonly FrozenDictionary<ulong, MechanismEntry> ById = Entries.ToFrozenDictionary(e => e.Id);

    /// <summary>Every mechanism, in numeric order (C_GetMechanismList).</summary>
    public static IReadOnlyList<ulong> List { get; } = Array.AsReadOnly(Entries.Select(e => e.Id).Order().ToArray());

    /// <summary>The mechanism if it exists and does <paramref name="function"/> (a CKF_ flag), else CKR_MECHANISM_INVALID.</summary>
    public static MechanismEntry Require(ulong id, ulong function) =>
        ById.TryGetValue(id, out var entry) && (entry.Flags & function) != 0 ? entry : throw new CkException(Ckr.MECHANISM_INVALID);

    public static MechanismEntry? Find(ulong id) => ById.GetValueOrDefault(id);

    /// <summary>The digest length of a hash mechanism (for PSS parameters and local digests).</summary>
    public static int HashLength(ulong hash) => hash switch
    {
        Ckm.SHA_1 => 20,
        Ckm.SHA224 => 28,
        Ckm.SHA256 => 32,
        Ckm.SHA384 => 48,
        Ckm.SHA512 => 64,
        _ => 0,
    };

    /// <summary>The MGF1 that goes with a hash (PKCS#11 asks both; the node uses the same hash for both).</summary>
    public static ulong Mgf1Of(ulong hash) => hash switch
    {
        Ckm.SHA_1 => Ckm.MGF1_SHA1,
        Ckm.SHA224 => Ckm.MGF1_SHA224,
        Ckm.SHA256 => Ckm.MGF1_SHA256,
        Ckm.SHA384 => Ckm.MGF1_SHA384,
        Ckm.SHA512 => Ckm.MGF1_SHA512,
        _ => ulong.MaxValue,
    };
}
