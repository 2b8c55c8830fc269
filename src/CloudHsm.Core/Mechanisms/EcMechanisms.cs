using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// ECDSA on P-256, P-384, P-521 and secp256k1, signatures in PKCS#11 form r||s (IEEE P1363, each
/// half the curve's field length). CKM_ECDSA signs a digest the caller computed; CKM_ECDSA_SHAx
/// hashes the data here. Private keys are PKCS#8 DER, public keys SubjectPublicKeyInfo DER.
/// secp256k1 is not a NIST curve: whether its keys may be used in FIPS mode is the key policy's call
/// (see <see cref="IsApprovedCurve"/>).
/// </summary>
public static class EcMechanisms
{
    public const string P256Oid = "1.2.840.10045.3.1.7";
    public const string P384Oid = "1.3.132.0.34";
    public const string P521Oid = "1.3.132.0.35";
    public const string Secp256k1Oid = "1.3.132.0.10";

    public static readonly ISignatureMechanism EcdsaOnDigest = new Ecdsa(MechanismId.Ecdsa, static data => data.ToArray());
    /// <summary>ECDSA with SHA-1: verification of old signatures; signing only behind the non-FIPS switch.</summary>
    public static readonly ISignatureMechanism EcdsaSha1 = new Ecdsa(MechanismId.EcdsaSha1, static data => SHA1.HashData(data), approved: false);
    public static readonly ISignatureMechanism EcdsaSha224 = new Ecdsa(MechanismId.EcdsaSha224, static data => DigestMechanisms.Sha224Hash(data));
    public static readonly ISignatureMechanism EcdsaSha256 = new Ecdsa(MechanismId.EcdsaSha256, static data => SHA256.HashData(data));
    public static readonly ISignatureMechanism EcdsaSha384 = new Ecdsa(MechanismId.EcdsaSha384, static data => SHA384.HashData(data));
    public static readonly ISignatureMechanism EcdsaSha512 = new Ecdsa(MechanismId.EcdsaSha512, static data => SHA512.HashData(data));

    /// <summary>The curve OIDs this HSM accepts.</summary>
    public static IReadOnlyList<string> SupportedCurveOids { get; } = [P256Oid, P384Oid, P521Oid, Secp256k1Oid];

    public static bool IsApprovedCurve(string oid) => oid is P256Oid or P384Oid or P521Oid;

    private delegate byte[] HashFunction(ReadOnlySpan<byte> data);

    private sealed class Ecdsa(MechanismId id, HashFunction hash, bool approved = true) : ISignatureMechanism, ILoadedKeySignature
    {
        /// <summary>Longest digest CKM_ECDSA takes (SHA-512); longer input is not a digest.</summary>
        private const int MaxDigestLength = 64;

        public MechanismId Id => id;
        public bool Approved => approved;
        public bool VerifyApproved => true;

        public byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> data)
        {
            var digest = Hash(data);
            using var ecdsa = Import(privateKey, isPrivate: true);
            return ecdsa.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        public bool Accepts(LoadedKey key) => key.Ecdsa is not null;

        public byte[] Sign(LoadedKey key, ReadOnlySpan<byte> data) =>
            key.Ecdsa!.SignHash(Hash(data), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            var digest = Hash(data);
            using var ecdsa = Import(publicKey, isPrivate: false);
            var fieldLength = (ecdsa.KeySize + 7) / 8;
            return signature.Length == 2 * fieldLength
                && ecdsa.VerifyHash(digest, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        private byte[] Hash(ReadOnlySpan<byte> data)
        {
            if (id == MechanismId.Ecdsa && data.Length is 0 or > MaxDigestLength)
            {
                throw new MechanismException(MechanismError.DataLenRange, "CKM_ECDSA signs a digest of 1 to 64 bytes.");
            }
            return hash(data);
        }
    }

    internal static ECDsa Import(ReadOnlySpan<byte> der, bool isPrivate)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            int read;
            if (isPrivate) ecdsa.ImportPkcs8PrivateKey(der, out read);
            else ecdsa.ImportSubjectPublicKeyInfo(der, out read);
            if (read != der.Length) throw new CryptographicException("Trailing data after the key.");
        }
        catch (CryptographicException e)
        {
            ecdsa.Dispose();
            throw new MechanismException(
                MechanismError.KeyTypeInconsistent,
                isPrivate ? "The private key is not a PKCS#8 EC key." : "The public key is not an EC SubjectPublicKeyInfo.",
                e);
        }

        var oid = ecdsa.ExportParameters(false).Curve.Oid?.Value;
        if (oid is null || !SupportedCurveOids.Contains(oid))
        {
            ecdsa.Dispose();
            throw new MechanismException(MechanismError.CurveNotSupported, $"The curve {oid ?? "(explicit)"} is not supported.");
        }
        return ecdsa;
    }
}
