using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// RSA 2048 to 4096-bit: PKCS#1 v1.5 and PSS signatures with SHA-1/256/384/512 (PSS salt = hash
/// length, MGF1 with the same hash), OAEP and PKCS#1 v1.5 encryption. Private keys are PKCS#8 DER,
/// public keys SubjectPublicKeyInfo DER. SHA-224 variants go through BouncyCastle (.NET's RSA has no SHA-224).
/// </summary>
public static class RsaMechanisms
{
    public const int MinModulusBits = 2048;
    public const int MaxModulusBits = 4096;

    public static readonly ISignatureMechanism Sha1Pkcs = new HashThenSign(MechanismId.Sha1RsaPkcs, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1, approved: false);
    public static readonly ISignatureMechanism Sha256Pkcs = new HashThenSign(MechanismId.Sha256RsaPkcs, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, approved: true);
    public static readonly ISignatureMechanism Sha384Pkcs = new HashThenSign(MechanismId.Sha384RsaPkcs, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1, approved: true);
    public static readonly ISignatureMechanism Sha512Pkcs = new HashThenSign(MechanismId.Sha512RsaPkcs, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1, approved: true);
    public static readonly ISignatureMechanism Sha256Pss = new HashThenSign(MechanismId.Sha256RsaPkcsPss, HashAlgorithmName.SHA256, RSASignaturePadding.Pss, approved: true);
    public static readonly ISignatureMechanism Sha384Pss = new HashThenSign(MechanismId.Sha384RsaPkcsPss, HashAlgorithmName.SHA384, RSASignaturePadding.Pss, approved: true);
    public static readonly ISignatureMechanism Sha512Pss = new HashThenSign(MechanismId.Sha512RsaPkcsPss, HashAlgorithmName.SHA512, RSASignaturePadding.Pss, approved: true);
    public static readonly ISignatureMechanism Sha1Pss = new HashThenSign(MechanismId.Sha1RsaPkcsPss, HashAlgorithmName.SHA1, RSASignaturePadding.Pss, approved: false);
    public static readonly ISignatureMechanism PssOnDigest = new PssOverDigest();
    /// <summary>CKM_RSA_PKCS signing over a caller-made DigestInfo (libp11, GnuTLS).</summary>
    public static readonly ISignatureMechanism Pkcs1OnDigestInfo = new RsaDigestInfoSignature();
    /// <summary>SHA-224 variants, through BouncyCastle: .NET's RSA has no SHA-224.</summary>
    public static readonly ISignatureMechanism Sha224Pkcs = new Sha224Rsa(pss: false);
    public static readonly ISignatureMechanism Sha224Pss = new Sha224Rsa(pss: true);

    public static readonly ICipherMechanism Oaep = new OaepMechanism();
    public static readonly ICipherMechanism Pkcs1v15 = new Pkcs1v15Mechanism();

    /// <summary>Sign/verify of the data, hashed here (CKM_SHAx_RSA_PKCS[_PSS]).</summary>
    private sealed class HashThenSign(MechanismId id, HashAlgorithmName hash, RSASignaturePadding padding, bool approved) : ISignatureMechanism, ILoadedKeySignature
    {
        public MechanismId Id => id;
        public bool Approved => approved;
        public bool VerifyApproved => true;

        public byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> data)
        {
            using var rsa = ImportPrivate(privateKey);
            return rsa.SignData(data, hash, padding);
        }

        public bool Accepts(LoadedKey key) => key.Rsa is not null;

        public byte[] Sign(LoadedKey key, ReadOnlySpan<byte> data) => key.Rsa!.SignData(data, hash, padding);

        public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            using var rsa = ImportPublic(publicKey);
            return signature.Length == rsa.KeySize / 8 && rsa.VerifyData(data, signature, hash, padding);
        }
    }

    /// <summary>
    /// CKM_RSA_PKCS_PSS over a digest the caller computed; the hash (SHA-1/256/384/512) follows from
    /// the digest length, with salt of the same length and MGF1 with the same hash.
    /// </summary>
    private sealed class PssOverDigest : ISignatureMechanism
    {
        public MechanismId Id => MechanismId.RsaPkcsPss;
        public bool Approved => true;
        public bool VerifyApproved => true;

        public byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> data)
        {
            var hash = HashOfDigest(data);
            using var rsa = ImportPrivate(privateKey);
            return rsa.SignHash(data, hash, RSASignaturePadding.Pss);
        }

        public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            var hash = HashOfDigest(data);
            using var rsa = ImportPublic(publicKey);
            return signature.Length == rsa.KeySize / 8 && rsa.VerifyHash(data, signature, hash, RSASignaturePadding.Pss);
        }

        private static HashAlgorithmName HashOfDigest(ReadOnlySpan<byte> digest) => digest.Length switch
        {
            20 => HashAlgorithmName.SHA1,
            32 => HashAlgorithmName.SHA256,
            48 => HashAlgorithmName.SHA384,
            64 => HashAlgorithmName.SHA512,
            _ => throw new MechanismException(MechanismError.DataLenRange, "A PSS digest is a SHA-1, SHA-256, SHA-384 or SHA-512 value."),
        };
    }

    /// <summary>CKM_SHA224_RSA_PKCS and CKM_SHA224_RSA_PKCS_PSS (salt 28 bytes, MGF1-SHA-224) with BouncyCastle.</summary>
    private sealed class Sha224Rsa(bool pss) : ISignatureMechanism
    {
        public MechanismId Id => pss ? MechanismId.Sha224RsaPkcsPss : MechanismId.Sha224RsaPkcs;
        public bool Approved => true;
        public bool VerifyApproved => true;

        public byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> data)
        {
            using (ImportPrivate(privateKey)) { } // same checks (form, size) as every RSA mechanism
            var signer = Signer();
            signer.Init(true, new Org.BouncyCastle.Crypto.Parameters.ParametersWithRandom(
                Org.BouncyCastle.Security.PrivateKeyFactory.CreateKey(privateKey.ToArray()), new Org.BouncyCastle.Security.SecureRandom()));
            signer.BlockUpdate(data);
            return signer.GenerateSignature();
        }

        public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            int modulusBytes;
            using (var rsa = ImportPublic(publicKey)) modulusBytes = rsa.KeySize / 8;
            if (signature.Length != modulusBytes) return false;
            var verifier = Signer();
            verifier.Init(false, Org.BouncyCastle.Security.PublicKeyFactory.CreateKey(publicKey.ToArray()));
            verifier.BlockUpdate(data);
            return verifier.VerifySignature(signature.ToArray());
        }

        private Org.BouncyCastle.Crypto.ISigner Signer() => pss
            ? new Org.BouncyCastle.Crypto.Signers.PssSigner(new Org.BouncyCastle.Crypto.Engines.RsaBlindedEngine(), new Org.BouncyCastle.Crypto.Digests.Sha224Digest(), 28)
            : new Org.BouncyCastle.Crypto.Signers.RsaDigestSigner(new Org.BouncyCastle.Crypto.Digests.Sha224Digest());
    }

    /// <summary>CKM_RSA_PKCS_OAEP with the hash of <see cref="CipherParameters.OaepHash"/> for OAEP and MGF1, empty label.</summary>
    private sealed class OaepMechanism : ICipherMechanism
    {
        public MechanismId Id => MechanismId.RsaPkcsOaep;
        public bool Approved => true;

        public CipherResult Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, CipherParameters parameters) =>
            RsaEncrypt(key, plaintext, PaddingOf(parameters));

        public bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertext, CipherParameters parameters, out byte[] plaintext) =>
            RsaTryDecrypt(key, ciphertext, PaddingOf(parameters), out plaintext);

        private static RSAEncryptionPadding PaddingOf(CipherParameters parameters)
        {
            if (!parameters.OaepLabel.IsEmpty)
            {
                throw new MechanismException(MechanismError.MechanismParamInvalid, "RSA-OAEP with a label is not supported.");
            }
            return parameters.OaepHash switch
            {
                MechanismId.Sha1 => RSAEncryptionPadding.OaepSHA1,
                MechanismId.Sha256 => RSAEncryptionPadding.OaepSHA256,
                MechanismId.Sha384 => RSAEncryptionPadding.OaepSHA384,
                MechanismId.Sha512 => RSAEncryptionPadding.OaepSHA512,
                _ => throw new MechanismException(MechanismError.MechanismParamInvalid, "RSA-OAEP hashes are SHA-1, SHA-256, SHA-384 and SHA-512."),
            };
        }
    }

    /// <summary>CKM_RSA_PKCS encryption (PKCS#1 v1.5 type 2): not approved, behind the non-FIPS switch.</summary>
    private sealed class Pkcs1v15Mechanism : ICipherMechanism
    {
        public MechanismId Id => MechanismId.RsaPkcs;
        public bool Approved => false;

        public CipherResult Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, CipherParameters parameters) =>
            RsaEncrypt(key, plaintext, RSAEncryptionPadding.Pkcs1);

        public bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertext, CipherParameters parameters, out byte[] plaintext) =>
            RsaTryDecrypt(key, ciphertext, RSAEncryptionPadding.Pkcs1, out plaintext);
    }

    private static CipherResult RsaEncrypt(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> plaintext, RSAEncryptionPadding padding)
    {
        using var rsa = ImportPublic(publicKey);
        var maxLength = rsa.KeySize / 8 - (padding == RSAEncryptionPadding.Pkcs1 ? 11 : 2 * HashLength(padding.OaepHashAlgorithm) + 2);
        if (plaintext.Length > maxLength)
        {
            throw new MechanismException(MechanismError.DataLenRange, $"This key and padding encrypt at most {maxLength} bytes.");
        }
        return new CipherResult(rsa.Encrypt(plaintext, padding), []);
    }

    private static bool RsaTryDecrypt(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> ciphertext, RSAEncryptionPadding padding, out byte[] plaintext)
    {
        plaintext = [];
        using var rsa = ImportPrivate(privateKey);
        if (ciphertext.Length != rsa.KeySize / 8) return false;
        var buffer = new byte[ciphertext.Length];
        try
        {
            if (!rsa.TryDecrypt(ciphertext, buffer, padding, out var written)) return false;
            plaintext = buffer.AsSpan(0, written).ToArray();
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    private static int HashLength(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA1 ? 20 : hash == HashAlgorithmName.SHA256 ? 32 : hash == HashAlgorithmName.SHA384 ? 48 : 64;

    internal static RSA ImportPrivate(ReadOnlySpan<byte> pkcs8)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(pkcs8, out var read);
            if (read != pkcs8.Length) throw new CryptographicException("Trailing data after the PKCS#8 key.");
        }
        catch (CryptographicException e)
        {
            rsa.Dispose();
            throw new MechanismException(MechanismError.KeyTypeInconsistent, "The private key is not a PKCS#8 RSA key.", e);
        }
        return CheckSize(rsa);
    }

    internal static RSA ImportPublic(ReadOnlySpan<byte> spki)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read != spki.Length) throw new CryptographicException("Trailing data after the public key.");
        }
        catch (CryptographicException e)
        {
            rsa.Dispose();
            throw new MechanismException(MechanismError.KeyTypeInconsistent, "The public key is not an RSA SubjectPublicKeyInfo.", e);
        }
        return CheckSize(rsa);
    }

    private static RSA CheckSize(RSA rsa)
    {
        if (rsa.KeySize is < MinModulusBits or > MaxModulusBits)
        {
            var bits = rsa.KeySize;
            rsa.Dispose();
            throw new MechanismException(MechanismError.KeySizeRange, $"RSA keys are {MinModulusBits} to {MaxModulusBits} bits; this one is {bits}.");
        }
        return rsa;
    }
}
