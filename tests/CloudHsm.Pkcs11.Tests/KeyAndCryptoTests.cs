using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11.Tests;

[Collection(ModuleCollection.Name)]
public sealed class KeyAndCryptoTests(ModuleFixture module)
{
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("signed by the partition, checked by .NET");

    private IObjectHandle AesKey(ISession session, string label, bool sensitive = true, bool token = false) =>
        session.GenerateKey(module.Mechanism(CKM.CKM_AES_KEY_GEN),
        [
            module.Attribute(CKA.CKA_VALUE_LEN, 32),
            module.Attribute(CKA.CKA_LABEL, label),
            module.Attribute(CKA.CKA_SENSITIVE, sensitive),
            module.Attribute(CKA.CKA_ENCRYPT, true),
            module.Attribute(CKA.CKA_DECRYPT, true),
            module.Attribute(CKA.CKA_TOKEN, token),
        ]);

    private (IObjectHandle Public, IObjectHandle Private) EcPair(ISession session, string label, string curveOid = "1.2.840.10045.3.1.7")
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteObjectIdentifier(curveOid);
        session.GenerateKeyPair(module.Mechanism(CKM.CKM_EC_KEY_PAIR_GEN),
            [module.Attribute(CKA.CKA_EC_PARAMS, writer.Encode()), module.Attribute(CKA.CKA_VERIFY, true), module.Attribute(CKA.CKA_LABEL, label)],
            [module.Attribute(CKA.CKA_SIGN, true), module.Attribute(CKA.CKA_LABEL, label)],
            out var publicKey, out var privateKey);
        return (publicKey, privateKey);
    }

    [Fact]
    public void AesGcmRoundTripWithAadAndATamperedTagIsRefused()
    {
        using var session = module.UserSession();
        var key = AesKey(session, "gcm");
        var iv = RandomNumberGenerator.GetBytes(12);
        var aad = Encoding.UTF8.GetBytes("header");
        var gcm = module.Factories.MechanismFactory.Create(CKM.CKM_AES_GCM, module.Factories.MechanismParamsFactory.CreateCkGcmParams(iv, 96, aad, 128));
        var ciphertext = session.Encrypt(gcm, key, Message);
        Assert.Equal(Message.Length + 16, ciphertext.Length);
        Assert.Equal(Message, session.Decrypt(gcm, key, ciphertext));

        ciphertext[^1] ^= 1;
        Assert.Equal(CKR.CKR_ENCRYPTED_DATA_INVALID, Assert.Throws<Pkcs11Exception>(() => session.Decrypt(gcm, key, ciphertext)).RV);
    }

    [Fact]
    public void AesCbcPadRoundTrip()
    {
        using var session = module.UserSession();
        var key = AesKey(session, "cbc");
        var cbc = module.Factories.MechanismFactory.Create(CKM.CKM_AES_CBC_PAD, RandomNumberGenerator.GetBytes(16));
        var ciphertext = session.Encrypt(cbc, key, Message);
        Assert.Equal(0, ciphertext.Length % 16);
        Assert.Equal(Message, session.Decrypt(cbc, key, ciphertext));
    }

    [Fact]
    public void RsaPkcs1Sha256SignatureVerifiesInTheModuleAndInDotNet()
    {
        using var session = module.UserSession();
        session.GenerateKeyPair(module.Mechanism(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN),
            [module.Attribute(CKA.CKA_MODULUS_BITS, 2048), module.Attribute(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 1, 0, 1 }), module.Attribute(CKA.CKA_VERIFY, true),
             module.Attribute(CKA.CKA_ENCRYPT, true)],
            [module.Attribute(CKA.CKA_SIGN, true), module.Attribute(CKA.CKA_DECRYPT, true)],
            out var publicKey, out var privateKey);
        var mechanism = module.Mechanism(CKM.CKM_SHA256_RSA_PKCS);
        var signature = session.Sign(mechanism, privateKey, Message);
        Assert.Equal(256, signature.Length);
        session.Verify(mechanism, publicKey, Message, signature, out var valid);
        Assert.True(valid);

        var attributes = session.GetAttributeValue(publicKey, [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT, CKA.CKA_MODULUS_BITS]);
        Assert.Equal(2048UL, attributes[2].GetValueAsUlong());
        using var rsa = RSA.Create(new RSAParameters { Modulus = attributes[0].GetValueAsByteArray(), Exponent = attributes[1].GetValueAsByteArray() });
        Assert.True(rsa.VerifyData(Message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        signature[10] ^= 1;
        session.Verify(mechanism, publicKey, Message, signature, out valid);
        Assert.False(valid);

        // RSA-OAEP with SHA-256: .NET encrypts to the public key, the module decrypts.
        var oaep = module.Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_OAEP,
            module.Factories.MechanismParamsFactory.CreateCkRsaPkcsOaepParams((ulong)CKM.CKM_SHA256, (ulong)CKG.CKG_MGF1_SHA256, (ulong)CKZ.CKZ_DATA_SPECIFIED, null));
        var secret = rsa.Encrypt(Message, RSAEncryptionPadding.OaepSHA256);
        Assert.Equal(Message, session.Decrypt(oaep, privateKey, secret));
        Assert.Equal(Message, session.Decrypt(oaep, privateKey, session.Encrypt(oaep, publicKey, Message)));
    }

    [Fact]
    public void EcdsaP256SignatureVerifiesInTheModuleAndInDotNet()
    {
        using var session = module.UserSession();
        var (publicKey, privateKey) = EcPair(session, "ecdsa");
        var mechanism = module.Mechanism(CKM.CKM_ECDSA_SHA256);
        var signature = session.Sign(mechanism, privateKey, Message);
        Assert.Equal(64, signature.Length); // r || s
        session.Verify(mechanism, publicKey, Message, signature, out var valid);
        Assert.True(valid);

        var point = new AsnReader(session.GetAttributeValue(publicKey, [CKA.CKA_EC_POINT])[0].GetValueAsByteArray(), AsnEncodingRules.DER).ReadOctetString();
        using var ec = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = point[1..33], Y = point[33..] } });
        Assert.True(ec.VerifyData(Message, signature, HashAlgorithmName.SHA256));

        // CKM_ECDSA signs a digest the caller made.
        var onDigest = session.Sign(module.Mechanism(CKM.CKM_ECDSA), privateKey, SHA256.HashData(Message));
        Assert.True(ec.VerifyHash(SHA256.HashData(Message), onDigest));
    }

    [Fact]
    public void Ed25519PairSignsAndVerifies()
    {
        using var session = module.UserSession();
        session.GenerateKeyPair(module.Mechanism(Ec.EdwardsKeyPairGen),
            [module.Attribute(CKA.CKA_VERIFY, true)], [module.Attribute(CKA.CKA_SIGN, true)], out var publicKey, out var privateKey);
        var mechanism = module.Mechanism(Ec.EdDsa);
        var signature = session.Sign(mechanism, privateKey, Message);
        Assert.Equal(64, signature.Length);
        session.Verify(mechanism, publicKey, Message, signature, out var valid);
        Assert.True(valid);
    }

    [Fact]
    public void UnsupportedCurveIsCurveNotSupported()
    {
        using var session = module.UserSession();
        var e = Assert.Throws<Pkcs11Exception>(() => EcPair(session, "brainpool", "1.3.36.3.3.2.8.1.1.7"));
        Assert.Equal(CKR.CKR_CURVE_NOT_SUPPORTED, e.RV);
    }

    [Fact]
    public void MultiPartSignMatchesSinglePartVerify()
    {
        using var session = module.UserSession();
        var (publicKey, privateKey) = EcPair(session, "multipart");
        var mechanism = module.Mechanism(CKM.CKM_ECDSA_SHA256);
        using var input = new MemoryStream(Message);
        var signature = session.Sign(mechanism, privateKey, input, bufferLength: 7);
        session.Verify(mechanism, publicKey, Message, signature, out var valid);
        Assert.True(valid);
    }

    [Fact]
    public void DigestAndRandom()
    {
        using (var publicSession = module.Slot.OpenSession(SessionType.ReadOnly))
        {
            // No key, no login: computed in the module.
            Assert.Equal(SHA256.HashData(Message), publicSession.Digest(module.Mechanism(CKM.CKM_SHA256), Message));
            Assert.Equal(CKR.CKR_USER_NOT_LOGGED_IN, Assert.Throws<Pkcs11Exception>(() => publicSession.GenerateRandom(16)).RV);
        }
        using var session = module.UserSession();
        Assert.Equal(SHA384.HashData(Message), session.Digest(module.Mechanism(CKM.CKM_SHA384), Message));
        var first = session.GenerateRandom(100);
        var second = session.GenerateRandom(100);
        Assert.Equal(100, first.Length);
        Assert.NotEqual(first, second);
        Assert.Equal(70_000, session.GenerateRandom(70_000).Length); // more than one node call
    }

    [Fact]
    public void NewKeysAreSessionObjectsUnlessTokenIsAskedAndReadOnlySessionsMakeNoTokenObjects()
    {
        using var session = module.UserSession();
        var key = session.GenerateKey(module.Mechanism(CKM.CKM_AES_KEY_GEN), [module.Attribute(CKA.CKA_VALUE_LEN, 16)]);
        Assert.False(session.GetAttributeValue(key, [CKA.CKA_TOKEN])[0].GetValueAsBool());
        var tokenKey = AesKey(session, "token", token: true);
        Assert.True(session.GetAttributeValue(tokenKey, [CKA.CKA_TOKEN])[0].GetValueAsBool());
        session.DestroyObject(tokenKey);
        Assert.Equal(CKR.CKR_OBJECT_HANDLE_INVALID, Assert.Throws<Pkcs11Exception>(() => session.GetAttributeValue(tokenKey, [CKA.CKA_LABEL])).RV);

        using var readOnly = module.Slot.OpenSession(SessionType.ReadOnly);
        Assert.Equal(CKR.CKR_SESSION_READ_ONLY, Assert.Throws<Pkcs11Exception>(() => AesKey(readOnly, "ro", token: true)).RV);
        AesKey(readOnly, "ro session object");
    }

    [Fact]
    public void KeyChecksAtInit()
    {
        using var session = module.UserSession();
        var aes = AesKey(session, "checks");
        var (publicKey, _) = EcPair(session, "checks-ec");
        Assert.Equal(CKR.CKR_KEY_HANDLE_INVALID, Assert.Throws<Pkcs11Exception>(
            () => session.Sign(module.Mechanism(CKM.CKM_ECDSA_SHA256), module.Factories.ObjectHandleFactory.Create(123456789), Message)).RV);
        Assert.Equal(CKR.CKR_KEY_TYPE_INCONSISTENT, Assert.Throws<Pkcs11Exception>(() => session.Sign(module.Mechanism(CKM.CKM_ECDSA_SHA256), aes, Message)).RV);
        Assert.Equal(CKR.CKR_KEY_TYPE_INCONSISTENT, Assert.Throws<Pkcs11Exception>(() => session.Sign(module.Mechanism(CKM.CKM_ECDSA_SHA256), publicKey, Message)).RV);
        Assert.Equal(CKR.CKR_MECHANISM_INVALID, Assert.Throws<Pkcs11Exception>(() => session.Sign(module.Mechanism(CKM.CKM_AES_GCM), aes, Message)).RV);
        var noSign = session.GenerateKey(module.Mechanism(CKM.CKM_GENERIC_SECRET_KEY_GEN), [module.Attribute(CKA.CKA_VALUE_LEN, 32), module.Attribute(CKA.CKA_SIGN, false), module.Attribute(CKA.CKA_VERIFY, true)]);
        Assert.Equal(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED, Assert.Throws<Pkcs11Exception>(() => session.Sign(module.Mechanism(CKM.CKM_SHA256_HMAC), noSign, Message)).RV);
        var badIv = module.Factories.MechanismFactory.Create(CKM.CKM_AES_CBC_PAD, new byte[8]);
        Assert.Equal(CKR.CKR_MECHANISM_PARAM_INVALID, Assert.Throws<Pkcs11Exception>(() => session.Encrypt(badIv, aes, Message)).RV);
    }

    [Fact]
    public void AUsageFlagTurnedOffIsCheckedAtTheNextInit()
    {
        // C_SignInit keeps a key's description for a moment; a change made here must not be served from it.
        using var session = module.UserSession();
        var hmac = session.GenerateKey(module.Mechanism(CKM.CKM_GENERIC_SECRET_KEY_GEN),
            [module.Attribute(CKA.CKA_VALUE_LEN, 32), module.Attribute(CKA.CKA_SIGN, true), module.Attribute(CKA.CKA_VERIFY, true)]);
        Assert.Equal(32, session.Sign(module.Mechanism(CKM.CKM_SHA256_HMAC), hmac, Message).Length);

        session.SetAttributeValue(hmac, [module.Attribute(CKA.CKA_SIGN, false)]);

        Assert.Equal(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED, Assert.Throws<Pkcs11Exception>(() => session.Sign(module.Mechanism(CKM.CKM_SHA256_HMAC), hmac, Message)).RV);
        session.DestroyObject(hmac);
        Assert.Equal(CKR.CKR_KEY_HANDLE_INVALID, Assert.Throws<Pkcs11Exception>(() => session.Sign(module.Mechanism(CKM.CKM_SHA256_HMAC), hmac, Message)).RV);
    }
}
