using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_WrapKey / C_UnwrapKey per mechanism: a round trip whose unwrapped key is proved to work, and each refusal.</summary>
[Collection(ModuleCollection.Name)]
public sealed class WrapAndUnwrapTests(ModuleFixture module)
{
    private const CKM AesKeyWrapKwp = (CKM)0x210B;
    private const CKM AesKeyWrapPkcs7 = (CKM)0x210C;
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("encrypted with the original, decrypted with the unwrapped copy");

    private IObjectHandle Aes(ISession session, bool extractable = true, bool wrap = false, bool unwrap = false, bool wrapWithTrusted = false) =>
        session.GenerateKey(module.Mechanism(CKM.CKM_AES_KEY_GEN),
        [
            module.Attribute(CKA.CKA_VALUE_LEN, 32),
            module.Attribute(CKA.CKA_ENCRYPT, !wrap && !unwrap),
            module.Attribute(CKA.CKA_DECRYPT, !wrap && !unwrap),
            module.Attribute(CKA.CKA_WRAP, wrap),
            module.Attribute(CKA.CKA_UNWRAP, unwrap),
            module.Attribute(CKA.CKA_EXTRACTABLE, extractable),
            module.Attribute(CKA.CKA_WRAP_WITH_TRUSTED, wrapWithTrusted),
        ]);

    /// <summary>A key-encryption key that both wraps and unwraps.</summary>
    private IObjectHandle Kek(ISession session) => session.GenerateKey(module.Mechanism(CKM.CKM_AES_KEY_GEN),
        [module.Attribute(CKA.CKA_VALUE_LEN, 32), module.Attribute(CKA.CKA_WRAP, true), module.Attribute(CKA.CKA_UNWRAP, true)]);

    private (IObjectHandle Public, IObjectHandle Private) RsaPair(ISession session)
    {
        session.GenerateKeyPair(module.Mechanism(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN),
            [module.Attribute(CKA.CKA_MODULUS_BITS, 2048), module.Attribute(CKA.CKA_WRAP, true)],
            [module.Attribute(CKA.CKA_UNWRAP, true)],
            out var publicKey, out var privateKey);
        return (publicKey, privateKey);
    }

    private (IObjectHandle Public, IObjectHandle Private) EcPair(ISession session)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteObjectIdentifier("1.2.840.10045.3.1.7");
        session.GenerateKeyPair(module.Mechanism(CKM.CKM_EC_KEY_PAIR_GEN),
            [module.Attribute(CKA.CKA_EC_PARAMS, writer.Encode()), module.Attribute(CKA.CKA_VERIFY, true)],
            [module.Attribute(CKA.CKA_SIGN, true), module.Attribute(CKA.CKA_EXTRACTABLE, true)],
            out var publicKey, out var privateKey);
        return (publicKey, privateKey);
    }

    private List<IObjectAttribute> AesTemplate() =>
    [
        module.Attribute(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
        module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
        module.Attribute(CKA.CKA_ENCRYPT, true),
        module.Attribute(CKA.CKA_DECRYPT, true),
    ];

    private IMechanism Gcm(byte[] iv) => module.Factories.MechanismFactory.Create(CKM.CKM_AES_GCM, module.Factories.MechanismParamsFactory.CreateCkGcmParams(iv, 96, [], 128));

    /// <summary>Encrypts with one key and decrypts with the other: they hold the same value.</summary>
    private void AssertSameAesKey(ISession session, IObjectHandle original, IObjectHandle copy)
    {
        var gcm = Gcm(RandomNumberGenerator.GetBytes(12));
        Assert.Equal(Message, session.Decrypt(gcm, copy, session.Encrypt(gcm, original, Message)));
    }

    private IMechanism Oaep(CKM hash, CKG mgf) => module.Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_OAEP,
        module.Factories.MechanismParamsFactory.CreateCkRsaPkcsOaepParams((ulong)hash, (ulong)mgf, (ulong)CKZ.CKZ_DATA_SPECIFIED, null));

    public static TheoryData<ulong, int> AesKeyWraps => new()
    {
        { (ulong)CKM.CKM_AES_KEY_WRAP, 40 },
        { (ulong)CKM.CKM_AES_KEY_WRAP_PAD, 40 },
        { (ulong)AesKeyWrapKwp, 40 },
        { (ulong)AesKeyWrapPkcs7, 48 },
    };

    [Theory]
    [MemberData(nameof(AesKeyWraps))]
    public void AesKeyWrapRoundTripGivesAWorkingKey(ulong mechanismId, int wrappedLength)
    {
        using var session = module.UserSession();
        var kek = Kek(session);
        var key = Aes(session);
        var mechanism = module.Mechanism((CKM)mechanismId);
        var wrapped = session.WrapKey(mechanism, kek, key);
        Assert.Equal(wrappedLength, wrapped.Length);
        var unwrapped = session.UnwrapKey(mechanism, kek, wrapped, AesTemplate());
        AssertSameAesKey(session, key, unwrapped);
    }

    [Fact]
    public void PaddedKeyWrapCarriesAnEcPrivateKeyThatStillSigns()
    {
        using var session = module.UserSession();
        var kek = Kek(session);
        var (publicKey, privateKey) = EcPair(session);
        var mechanism = module.Mechanism(CKM.CKM_AES_KEY_WRAP_PAD);
        var wrapped = session.WrapKey(mechanism, kek, privateKey);
        var copy = session.UnwrapKey(mechanism, kek, wrapped,
            [module.Attribute(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_EC), module.Attribute(CKA.CKA_SIGN, true)]);
        var ecdsa = module.Mechanism(CKM.CKM_ECDSA_SHA256);
        session.Verify(ecdsa, publicKey, Message, session.Sign(ecdsa, copy, Message), out var valid);
        Assert.True(valid);

        // The template's key type must be the wrapped key's.
        var e = Assert.Throws<Pkcs11Exception>(() => session.UnwrapKey(mechanism, kek, wrapped,
            [module.Attribute(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_RSA)]));
        Assert.Equal(CKR.CKR_ATTRIBUTE_VALUE_INVALID, e.RV);
    }

    [Fact]
    public void RsaOaepWrapsWithThePublicKeyAndUnwrapsWithThePrivateKey()
    {
        using var session = module.UserSession();
        var (publicKey, privateKey) = RsaPair(session);
        var key = Aes(session);
        var oaep = Oaep(CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256);
        var wrapped = session.WrapKey(oaep, publicKey, key);
        Assert.Equal(256, wrapped.Length);
        AssertSameAesKey(session, key, session.UnwrapKey(oaep, privateKey, wrapped, AesTemplate()));

        // The other half of the pair is the wrong key for each direction.
        Assert.Equal(CKR.CKR_WRAPPING_KEY_TYPE_INCONSISTENT, Assert.Throws<Pkcs11Exception>(() => session.WrapKey(oaep, privateKey, key)).RV);
        Assert.Equal(CKR.CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, Assert.Throws<Pkcs11Exception>(() => session.UnwrapKey(oaep, publicKey, wrapped, AesTemplate())).RV);
        // A label is not something the node does: refused, not ignored.
        var labelled = module.Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_OAEP, module.Factories.MechanismParamsFactory.CreateCkRsaPkcsOaepParams(
            (ulong)CKM.CKM_SHA256, (ulong)CKG.CKG_MGF1_SHA256, (ulong)CKZ.CKZ_DATA_SPECIFIED, [1, 2, 3]));
        Assert.Equal(CKR.CKR_MECHANISM_PARAM_INVALID, Assert.Throws<Pkcs11Exception>(() => session.WrapKey(labelled, publicKey, key)).RV);
    }

    [Fact]
    public void RsaAesKeyWrapCarriesAPrivateKey()
    {
        using var session = module.UserSession();
        var (rsaPublic, rsaPrivate) = RsaPair(session);
        var (ecPublic, ecPrivate) = EcPair(session);
        var parameters = module.Factories.MechanismParamsFactory.CreateCkRsaAesKeyWrapParams(256,
            module.Factories.MechanismParamsFactory.CreateCkRsaPkcsOaepParams((ulong)CKM.CKM_SHA256, (ulong)CKG.CKG_MGF1_SHA256, (ulong)CKZ.CKZ_DATA_SPECIFIED, null));
        var mechanism = module.Factories.MechanismFactory.Create(CKM.CKM_RSA_AES_KEY_WRAP, parameters);
        var wrapped = session.WrapKey(mechanism, rsaPublic, ecPrivate);
        Assert.True(wrapped.Length > 256);
        var copy = session.UnwrapKey(mechanism, rsaPrivate, wrapped,
            [module.Attribute(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_EC), module.Attribute(CKA.CKA_SIGN, true)]);
        var ecdsa = module.Mechanism(CKM.CKM_ECDSA_SHA256);
        session.Verify(ecdsa, ecPublic, Message, session.Sign(ecdsa, copy, Message), out var valid);
        Assert.True(valid);
    }

    [Fact]
    public void MechanismInfoAdvertisesWrapAndDeriveTruthfully()
    {
        foreach (var wrap in new[] { CKM.CKM_AES_KEY_WRAP, CKM.CKM_AES_KEY_WRAP_PAD, CKM.CKM_AES_GCM, CKM.CKM_RSA_PKCS_OAEP, CKM.CKM_RSA_AES_KEY_WRAP })
        {
            var info = module.Slot.GetMechanismInfo(wrap);
            Assert.True(info.MechanismFlags.Wrap && info.MechanismFlags.Unwrap, wrap.ToString());
        }
        Assert.False(module.Slot.GetMechanismInfo(CKM.CKM_AES_KEY_WRAP).MechanismFlags.Encrypt);
        Assert.False(module.Slot.GetMechanismInfo(CKM.CKM_AES_CBC_PAD).MechanismFlags.Wrap);
        Assert.True(module.Slot.GetMechanismInfo(CKM.CKM_ECDH1_DERIVE).MechanismFlags.Derive);
        Assert.True(module.Slot.GetMechanismInfo((CKM)0x3AC).MechanismFlags.Derive);
        Assert.False(module.Slot.GetMechanismInfo(CKM.CKM_ECDSA).MechanismFlags.Derive);
    }

    [Fact]
    public void WrapRefusalsNameTheirCause()
    {
        using var session = module.UserSession();
        var kek = Kek(session);
        var key = Aes(session);
        var mechanism = module.Mechanism(CKM.CKM_AES_KEY_WRAP);
        var missing = module.Factories.ObjectHandleFactory.Create(0x7FFF_FFF1UL);
        Pkcs11Exception Refused(Action wrap) => Assert.Throws<Pkcs11Exception>(wrap);

        Assert.Equal(CKR.CKR_KEY_UNEXTRACTABLE, Refused(() => session.WrapKey(mechanism, kek, Aes(session, extractable: false))).RV);
        Assert.Equal(CKR.CKR_WRAPPING_KEY_HANDLE_INVALID, Refused(() => session.WrapKey(mechanism, missing, key)).RV);
        Assert.Equal(CKR.CKR_KEY_HANDLE_INVALID, Refused(() => session.WrapKey(mechanism, kek, missing)).RV);
        Assert.Equal(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED, Refused(() => session.WrapKey(mechanism, Aes(session, unwrap: true), key)).RV);
        var (rsaPublic, _) = RsaPair(session);
        Assert.Equal(CKR.CKR_WRAPPING_KEY_TYPE_INCONSISTENT, Refused(() => session.WrapKey(mechanism, rsaPublic, key)).RV);
        // A public key is not wrapped (it is read as it is), nor is the wrapping key itself.
        Assert.Equal(CKR.CKR_KEY_NOT_WRAPPABLE, Refused(() => session.WrapKey(mechanism, kek, rsaPublic)).RV);
        Assert.Equal(CKR.CKR_KEY_NOT_WRAPPABLE, Refused(() => session.WrapKey(mechanism, kek, kek)).RV);
        // WRAP_WITH_TRUSTED: only a key a CO marked TRUSTED may wrap it.
        Assert.Equal(CKR.CKR_KEY_NOT_WRAPPABLE, Refused(() => session.WrapKey(mechanism, kek, Aes(session, wrapWithTrusted: true))).RV);
        // A mechanism that does not wrap, and an IV RFC 3394 does not use.
        Assert.Equal(CKR.CKR_MECHANISM_INVALID, Refused(() => session.WrapKey(module.Factories.MechanismFactory.Create(CKM.CKM_AES_CBC_PAD, new byte[16]), kek, key)).RV);
        Assert.Equal(CKR.CKR_MECHANISM_PARAM_INVALID, Refused(() => session.WrapKey(module.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP, new byte[8]), kek, key)).RV);
        // RFC 3394's default IV spelled out is the same mechanism.
        var explicitIv = module.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP, Enumerable.Repeat((byte)0xA6, 8).ToArray());
        AssertSameAesKey(session, key, session.UnwrapKey(mechanism, kek, session.WrapKey(explicitIv, kek, key), AesTemplate()));
    }

    [Fact]
    public void UnwrapRefusalsNameTheirCauseAndMakeNothing()
    {
        using var session = module.UserSession();
        var kek = Kek(session);
        var mechanism = module.Mechanism(CKM.CKM_AES_KEY_WRAP);
        var wrapped = session.WrapKey(mechanism, kek, Aes(session));
        var before = session.FindAllObjects([]).Count;
        Pkcs11Exception Refused(Action unwrap) => Assert.Throws<Pkcs11Exception>(unwrap);

        Assert.Equal(CKR.CKR_UNWRAPPING_KEY_HANDLE_INVALID,
            Refused(() => session.UnwrapKey(mechanism, module.Factories.ObjectHandleFactory.Create(0x7FFF_FFF2UL), wrapped, AesTemplate())).RV);
        Assert.Equal(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED, Refused(() => session.UnwrapKey(mechanism, Aes(session, wrap: true), wrapped, AesTemplate())).RV);
        var tampered = (byte[])wrapped.Clone();
        tampered[5] ^= 0x20;
        Assert.Equal(CKR.CKR_WRAPPED_KEY_INVALID, Refused(() => session.UnwrapKey(mechanism, kek, tampered, AesTemplate())).RV);
        // Another key-encryption key does not open it either.
        Assert.Equal(CKR.CKR_WRAPPED_KEY_INVALID, Refused(() => session.UnwrapKey(mechanism, Kek(session), wrapped, AesTemplate())).RV);
        Assert.Equal(CKR.CKR_TEMPLATE_INCOMPLETE, Refused(() => session.UnwrapKey(mechanism, kek, wrapped, [module.Attribute(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY)])).RV);
        Assert.Equal(CKR.CKR_TEMPLATE_INCONSISTENT, Refused(() => session.UnwrapKey(mechanism, kek, wrapped,
            [module.Attribute(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_AES)])).RV);
        Assert.Equal(CKR.CKR_TEMPLATE_INCONSISTENT, Refused(() => session.UnwrapKey(mechanism, kek, wrapped,
            [.. AesTemplate(), module.Attribute(CKA.CKA_VALUE_LEN, 16)])).RV);
        // The 32-byte key is not an EC private key (PKCS#8).
        Assert.Equal(CKR.CKR_WRAPPED_KEY_INVALID, Refused(() => session.UnwrapKey(mechanism, kek, wrapped,
            [module.Attribute(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_EC)])).RV);

        // Each refusal left the partition as it was (beyond the two keys made above as tools).
        Assert.Equal(before + 2, session.FindAllObjects([]).Count);
        // ... and CKA_VALUE_LEN that matches is accepted.
        var copy = session.UnwrapKey(mechanism, kek, wrapped, [.. AesTemplate(), module.Attribute(CKA.CKA_VALUE_LEN, 32)]);
        Assert.Equal(32UL, session.GetAttributeValue(copy, [CKA.CKA_VALUE_LEN])[0].GetValueAsUlong());
    }
}
