using System.Globalization;
using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Cli.Support;

/// <summary>What a mechanism is used for on the command line: the same name can mean a different CKM in another place.</summary>
internal enum MechanismUse { Sign, Cipher, Digest, Wrap, Derive }

/// <summary>
/// The mechanism names of the modern subcommands (sha256-rsa-pkcs, aes-gcm, ...) and their PKCS#11
/// numbers, in one table; a CKM number (0x1087 or 4231) is accepted wherever a name is.
/// </summary>
internal static class MechanismNames
{
    private static readonly (string Name, MechanismId Id, MechanismUse Use)[] Table =
    [
        ("sha1-rsa-pkcs", MechanismId.Sha1RsaPkcs, MechanismUse.Sign),
        ("sha224-rsa-pkcs", MechanismId.Sha224RsaPkcs, MechanismUse.Sign),
        ("sha256-rsa-pkcs", MechanismId.Sha256RsaPkcs, MechanismUse.Sign),
        ("sha384-rsa-pkcs", MechanismId.Sha384RsaPkcs, MechanismUse.Sign),
        ("sha512-rsa-pkcs", MechanismId.Sha512RsaPkcs, MechanismUse.Sign),
        ("sha224-rsa-pss", MechanismId.Sha224RsaPkcsPss, MechanismUse.Sign),
        ("sha256-rsa-pss", MechanismId.Sha256RsaPkcsPss, MechanismUse.Sign),
        ("sha384-rsa-pss", MechanismId.Sha384RsaPkcsPss, MechanismUse.Sign),
        ("sha512-rsa-pss", MechanismId.Sha512RsaPkcsPss, MechanismUse.Sign),
        ("ecdsa", MechanismId.Ecdsa, MechanismUse.Sign),
        ("ecdsa-sha224", MechanismId.EcdsaSha224, MechanismUse.Sign),
        ("ecdsa-sha256", MechanismId.EcdsaSha256, MechanismUse.Sign),
        ("ecdsa-sha384", MechanismId.EcdsaSha384, MechanismUse.Sign),
        ("ecdsa-sha512", MechanismId.EcdsaSha512, MechanismUse.Sign),
        ("ed25519", MechanismId.EdDsa, MechanismUse.Sign),
        ("eddsa", MechanismId.EdDsa, MechanismUse.Sign),
        ("hmac-sha224", MechanismId.Sha224Hmac, MechanismUse.Sign),
        ("hmac-sha256", MechanismId.Sha256Hmac, MechanismUse.Sign),
        ("hmac-sha384", MechanismId.Sha384Hmac, MechanismUse.Sign),
        ("hmac-sha512", MechanismId.Sha512Hmac, MechanismUse.Sign),
        ("aes-gcm", MechanismId.AesGcm, MechanismUse.Cipher),
        ("aes-cbc-pad", MechanismId.AesCbcPad, MechanismUse.Cipher),
        ("aes-ctr", MechanismId.AesCtr, MechanismUse.Cipher),
        ("rsa-oaep", MechanismId.RsaPkcsOaep, MechanismUse.Cipher),
        ("rsa-pkcs", MechanismId.RsaPkcs, MechanismUse.Cipher),
        ("sha1", MechanismId.Sha1, MechanismUse.Digest),
        ("sha224", MechanismId.Sha224, MechanismUse.Digest),
        ("sha256", MechanismId.Sha256, MechanismUse.Digest),
        ("sha384", MechanismId.Sha384, MechanismUse.Digest),
        ("sha512", MechanismId.Sha512, MechanismUse.Digest),
        ("aes-kw", MechanismId.AesKeyWrap, MechanismUse.Wrap),
        ("aes-kwp", MechanismId.AesKeyWrapPad, MechanismUse.Wrap),
        ("aes-gcm", MechanismId.AesGcm, MechanismUse.Wrap),
        ("rsa-oaep", MechanismId.RsaPkcsOaep, MechanismUse.Wrap),
        ("rsa-aes", MechanismId.RsaAesKeyWrap, MechanismUse.Wrap),
        ("ecdh", MechanismId.Ecdh1Derive, MechanismUse.Derive),
        ("sp800-108", MechanismId.Sp800108CounterKdf, MechanismUse.Derive),
    ];

    /// <summary>The names accepted for a use, for help texts and refusals.</summary>
    public static string Names(MechanismUse use) => string.Join(", ", Table.Where(m => m.Use == use).Select(m => m.Name));

    /// <summary>A mechanism by name (for this use) or by CKM number; a refusal names the accepted ones.</summary>
    public static ulong Parse(string text, MechanismUse use)
    {
        foreach (var (name, id, u) in Table)
        {
            if (u == use && string.Equals(name, text, StringComparison.OrdinalIgnoreCase)) return (ulong)id;
        }
        if (ParseNumber(text) is { } number) return number;
        throw new CliException("RET_MECHANISM_INVALID", $"Unknown mechanism '{text}'. Use one of: {Names(use)}; or a CKM number (0x...).");
    }

    /// <summary>A digest mechanism used as a parameter (the OAEP hash, the SP 800-108 PRF's hash).</summary>
    public static ulong ParseHash(string text, string option) => text.ToLowerInvariant() switch
    {
        "sha1" => (ulong)MechanismId.Sha1,
        "sha224" => (ulong)MechanismId.Sha224,
        "sha256" => (ulong)MechanismId.Sha256,
        "sha384" => (ulong)MechanismId.Sha384,
        "sha512" => (ulong)MechanismId.Sha512,
        _ => throw new CliException("RET_MECHANISM_PARAM_INVALID", $"{option}: sha1, sha224, sha256, sha384 or sha512."),
    };

    private static ulong? ParseNumber(string text) => text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
        ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h) ? h : null
        : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : null;
}
