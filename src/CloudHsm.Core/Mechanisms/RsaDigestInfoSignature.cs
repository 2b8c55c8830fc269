using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// CKM_RSA_PKCS signing: PKCS#1 v1.5 over a DigestInfo the caller built from its own hash, which
/// is how OpenSSL's pkcs11 engine (libp11), GnuTLS and pkcs11-tool sign with RSA keys. Only the DER
/// DigestInfo of SHA-1, SHA-256, SHA-384 or SHA-512 is taken, byte for byte, so the padding is always
/// a signature over a named hash, never over raw data; a SHA-1 DigestInfo is signed only on a
/// partition made with the non-FIPS switch (<see cref="ApprovedFor"/>). (CKM_RSA_PKCS encryption is
/// the separate, non-FIPS <see cref="RsaMechanisms.Pkcs1v15"/> cipher.)
/// </summary>
internal sealed class RsaDigestInfoSignature : ISignatureMechanism, ILoadedKeySignature
{
    // DigestInfo ::= SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING digest } (RFC 8017, 9.2 note 1)
    private static readonly (HashAlgorithmName Hash, byte[] Prefix)[] Prefixes =
    [
        (HashAlgorithmName.SHA256, Convert.FromHexString("3031300d060960864801650304020105000420")),
        (HashAlgorithmName.SHA384, Convert.FromHexString("3041300d060960864801650304020205000430")),
        (HashAlgorithmName.SHA512, Convert.FromHexString("3051300d060960864801650304020305000440")),
        (HashAlgorithmName.SHA1, Convert.FromHexString("3021300906052b0e03021a05000414")),
    ];

    public MechanismId Id => MechanismId.RsaPkcs;
    public bool Approved => true;
    public bool VerifyApproved => true;

    /// <summary>A SHA-1 DigestInfo is not approved for signing (SP 800-131A); malformed input is refused later, by Sign.</summary>
    public bool ApprovedFor(ReadOnlySpan<byte> data) => !TryParse(data, out var hash, out _) || hash != HashAlgorithmName.SHA1;

    public byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> data)
    {
        var (hash, digestAt) = Parse(data);
        using var rsa = RsaMechanisms.ImportPrivate(privateKey);
        return rsa.SignHash(data[digestAt..], hash, RSASignaturePadding.Pkcs1);
    }

    public bool Accepts(LoadedKey key) => key.Rsa is not null;

    public byte[] Sign(LoadedKey key, ReadOnlySpan<byte> data)
    {
        var (hash, digestAt) = Parse(data);
        return key.Rsa!.SignHash(data[digestAt..], hash, RSASignaturePadding.Pkcs1);
    }

    public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var (hash, digestAt) = Parse(data);
        using var rsa = RsaMechanisms.ImportPublic(publicKey);
        return signature.Length == rsa.KeySize / 8 && rsa.VerifyHash(data[digestAt..], signature, hash, RSASignaturePadding.Pkcs1);
    }

    /// <summary>The hash a DigestInfo names and where its digest starts.</summary>
    private static (HashAlgorithmName Hash, int DigestAt) Parse(ReadOnlySpan<byte> digestInfo) =>
        TryParse(digestInfo, out var hash, out var digestAt)
            ? (hash, digestAt)
            : throw new MechanismException(MechanismError.DataLenRange,
                "CKM_RSA_PKCS signs a DER DigestInfo of a SHA-1, SHA-256, SHA-384 or SHA-512 digest.");

    private static bool TryParse(ReadOnlySpan<byte> digestInfo, out HashAlgorithmName hash, out int digestAt)
    {
        foreach (var (name, prefix) in Prefixes)
        {
            // The prefix ends with the digest's length byte: a match of the prefix and the total length is a well-formed DigestInfo.
            if (digestInfo.StartsWith(prefix) && digestInfo.Length == prefix.Length + prefix[^1])
            {
                hash = name;
                digestAt = prefix.Length;
                return true;
            }
        }
        hash = default;
        digestAt = 0;
        return false;
    }
}
