using CloudHsm.Cli.Support;
using CloudHsm.Core.Keys;

namespace CloudHsm.Cli.Util;

/// <summary>One numbered choice of a util option (-m, -t, -i) and what it means here.</summary>
/// <param name="Number">The number as the AWS CloudHSM / Azure Cloud HSM key_mgmt_util docs give it.</param>
/// <param name="Name">The docs' name.</param>
/// <param name="Ckm">The PKCS#11 number sent to the node; null when this HSM has no such mechanism.</param>
/// <param name="Note">What differs from the original, if anything.</param>
internal sealed record UtilChoice(int Number, string Name, ulong? Ckm, string? Note = null);

/// <summary>
/// The mechanism numbers of key_mgmt_util / azcloudhsm_util mapped to PKCS#11 numbers. Sources: the
/// AWS CloudHSM User Guide pages for sign/verify (-m 0..9, 15..19), wrapKey/unWrapKey (-m 4..11 and the
/// -t hash numbers) and listECCCurveIds (the NID numbers of the Cavium firmware). Whether the node allows a
/// mechanism (for example SHA-1 signing only behind its non-FIPS switch) is the node's answer, not ours.
/// </summary>
internal static class UtilMechanisms
{
    public static readonly IReadOnlyList<UtilChoice> Signing =
    [
        new(0, "SHA1_RSA_PKCS", 0x06, "signing needs the node's non-FIPS switch"),
        new(1, "SHA256_RSA_PKCS", 0x40),
        new(2, "SHA384_RSA_PKCS", 0x41),
        new(3, "SHA512_RSA_PKCS", 0x42),
        new(4, "SHA224_RSA_PKCS", 0x46),
        new(5, "SHA1_RSA_PKCS_PSS", 0x0E, "signing needs the node's non-FIPS switch"),
        new(6, "SHA256_RSA_PKCS_PSS", 0x43),
        new(7, "SHA384_RSA_PKCS_PSS", 0x44),
        new(8, "SHA512_RSA_PKCS_PSS", 0x45),
        new(9, "SHA224_RSA_PKCS_PSS", 0x47),
        new(15, "ECDSA_SHA1", 0x1042, "signing needs the node's non-FIPS switch"),
        new(16, "ECDSA_SHA224", 0x1043),
        new(17, "ECDSA_SHA256", 0x1044),
        new(18, "ECDSA_SHA384", 0x1045),
        new(19, "ECDSA_SHA512", 0x1046),
        new(20, "EDDSA", 0x1057, "this HSM's addition (Ed25519 keys, curve 28); not in the AWS/Azure table"),
    ];

    public static readonly IReadOnlyList<UtilChoice> Wrapping =
    [
        new(4, "AES_KEY_WRAP_PAD_PKCS5", 0x210C, "CKM_AES_KEY_WRAP_PKCS7: PKCS#5 padding to 8 bytes, then RFC 3394"),
        new(5, "NIST_AES_WRAP_NO_PAD", 0x2109, "CKM_AES_KEY_WRAP, RFC 3394"),
        new(6, "NIST_AES_WRAP_PAD", 0x210A, "CKM_AES_KEY_WRAP_PAD, RFC 5649"),
        new(7, "RSA_AES", 0x1054, "CKM_RSA_AES_KEY_WRAP: OAEP (-t hash) of a fresh AES-256 key, then RFC 5649"),
        new(8, "RSA_OAEP", 0x09, "CKM_RSA_PKCS_OAEP (-t hash, MGF1 with the same hash)"),
        new(9, "NIST_TDEA_WRAP", null, "not in this HSM: it has no Triple DES"),
        new(10, "AES_GCM", 0x1087, "CKM_AES_GCM: the HSM makes the 12-byte IV; the file holds IV, ciphertext, 16-byte tag"),
        new(11, "CLOUDHSM_AES_GCM", 0x1087, "same as 10"),
    ];

    /// <summary>wrapKey/unWrapKey -t: the OAEP hash of RSA_AES and RSA_OAEP.</summary>
    public static readonly IReadOnlyList<UtilChoice> Hashes =
    [
        new(2, "SHA1", 0x220),
        new(3, "SHA256", 0x250, "the default here"),
        new(4, "SHA384", 0x260),
        new(5, "SHA512", 0x270),
        new(6, "SHA224", 0x255),
    ];

    public const int DefaultHash = 3;

    /// <summary>genECCKeyPair -i: the Cavium NID numbers listECCCurveIds prints, for the curves this HSM has.</summary>
    public static readonly IReadOnlyList<(int Number, string Name, KeyType Type, string Parameter, string? Note)> Curves =
    [
        (2, "NID_X9_62_prime256v1", KeyType.Ec, "1.2.840.10045.3.1.7", null),
        (14, "NID_secp384r1", KeyType.Ec, "1.3.132.0.34", null),
        (15, "NID_secp521r1", KeyType.Ec, "1.3.132.0.35", null),
        (16, "NID_secp256k1", KeyType.Ec, "1.3.132.0.10", null),
        (28, "NID_ED25519", KeyType.EcEdwards, "", "this HSM's number for Ed25519 (the AWS docs list no Edwards curve)"),
    ];

    public static ulong SignCkm(int number) => Ckm(Signing, number, "signing mechanism");

    public static ulong WrapCkm(int number) => Ckm(Wrapping, number, "wrapping mechanism");

    public static ulong HashCkm(int number) => Ckm(Hashes, number, "hash type");

    public static bool UsesRsa(int wrapNumber) => wrapNumber is 7 or 8;

    public static (KeyType Type, string Parameter) Curve(int number)
    {
        foreach (var c in Curves)
        {
            if (c.Number == number) return (c.Type, c.Parameter);
        }
        throw new CliException("RET_CURVE_NOT_SUPPORTED",
            $"Curve id {number} is not available here; listECCCurveIds shows {string.Join(", ", Curves.Select(c => c.Number))}.");
    }

    private static ulong Ckm(IReadOnlyList<UtilChoice> table, int number, string what)
    {
        var choice = table.FirstOrDefault(c => c.Number == number)
            ?? throw new CliException("RET_MECHANISM_INVALID", $"{number} is not a {what}; valid: {string.Join(", ", table.Select(c => $"{c.Number} {c.Name}"))}.");
        return choice.Ckm ?? throw new CliException("RET_MECHANISM_INVALID", $"{what} {number} ({choice.Name}) is {choice.Note}.");
    }

    /// <summary>Lines for help text: "  5 NIST_AES_WRAP_NO_PAD  CKM_AES_KEY_WRAP, RFC 3394".</summary>
    public static IEnumerable<string> Describe(IReadOnlyList<UtilChoice> table) =>
        table.Select(c => $"      {c.Number,2} {c.Name,-24}{(c.Note is null ? "" : " " + c.Note)}");
}
