using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_DeriveKey with CKM_ECDH1_DERIVE: both parties reach the same key, and it is the secret .NET computes.</summary>
[Collection(ModuleCollection.Name)]
public sealed class DerivationTests(ModuleFixture module)
{
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("agreed by ECDH inside the partition");

    private (IObjectHandle Public, IObjectHandle Private) EcPair(ISession session, bool derive = true)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteObjectIdentifier("1.2.840.10045.3.1.7");
        session.GenerateKeyPair(module.Mechanism(CKM.CKM_EC_KEY_PAIR_GEN),
            [module.Attribute(CKA.CKA_EC_PARAMS, writer.Encode()), module.Attribute(CKA.CKA_DERIVE, derive)],
            [module.Attribute(CKA.CKA_DERIVE, derive), module.Attribute(CKA.CKA_SIGN, !derive)],
            out var publicKey, out var privateKey);
        return (publicKey, privateKey);
    }

    /// <summary>CKA_EC_POINT as the module gives it: a DER OCTET STRING around 04|X|Y.</summary>
    private static byte[] EcPoint(ISession session, IObjectHandle publicKey) => session.GetAttributeValue(publicKey, [CKA.CKA_EC_POINT])[0].GetValueAsByteArray();

    private static byte[] RawPoint(byte[] derPoint) => new AsnReader(derPoint, AsnEncodingRules.DER).ReadOctetString();

    private IMechanism Ecdh(byte[] publicData, CKD kdf = CKD.CKD_NULL) => module.Factories.MechanismFactory.Create(CKM.CKM_ECDH1_DERIVE,
        module.Factories.MechanismParamsFactory.CreateCkEcdh1DeriveParams((ulong)kdf, null, publicData));

    private List<IObjectAttribute> AesTemplate() =>
    [
        module.Attribute(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
        module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
        module.Attribute(CKA.CKA_VALUE_LEN, 32),
        module.Attribute(CKA.CKA_ENCRYPT, true),
        module.Attribute(CKA.CKA_DECRYPT, true),
    ];

    [Fact]
    public void EcdhGivesBothPartiesTheSameKey()
    {
        using var session = module.UserSession();
        var (alicePublic, alicePrivate) = EcPair(session);
        var (bobPublic, bobPrivate) = EcPair(session);
        // One side gives the peer's point as the DER OCTET STRING of CKA_EC_POINT, the other raw (both are what clients send).
        var aliceKey = session.DeriveKey(Ecdh(EcPoint(session, bobPublic)), alicePrivate, AesTemplate());
        var bobKey = session.DeriveKey(Ecdh(RawPoint(EcPoint(session, alicePublic))), bobPrivate, AesTemplate());

        var gcm = module.Factories.MechanismFactory.Create(CKM.CKM_AES_GCM,
            module.Factories.MechanismParamsFactory.CreateCkGcmParams(RandomNumberGenerator.GetBytes(12), 96, [], 128));
        Assert.Equal(Message, session.Decrypt(gcm, bobKey, session.Encrypt(gcm, aliceKey, Message)));
    }

    [Fact]
    public void EcdhSecretIsTheSharedXCoordinateDotNetComputes()
    {
        using var session = module.UserSession();
        var (partitionPublic, partitionPrivate) = EcPair(session);
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = peer.ExportParameters(false).Q;
        // No CKA_VALUE_LEN: a generic secret is the whole x-coordinate (32 bytes on P-256), readable as the template asks.
        var derived = session.DeriveKey(Ecdh([0x04, .. q.X!, .. q.Y!]), partitionPrivate,
        [
            module.Attribute(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET),
            module.Attribute(CKA.CKA_SENSITIVE, false),
            module.Attribute(CKA.CKA_EXTRACTABLE, true),
        ]);
        var point = RawPoint(EcPoint(session, partitionPublic));
        using var partition = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[1..33], Y = point[33..] },
        });
        Assert.Equal(peer.DeriveRawSecretAgreement(partition.PublicKey), session.GetAttributeValue(derived, [CKA.CKA_VALUE])[0].GetValueAsByteArray());
    }

    [Fact]
    public void DeriveRefusalsNameTheirCause()
    {
        using var session = module.UserSession();
        var (peerPublic, _) = EcPair(session);
        var (_, noDerive) = EcPair(session, derive: false);
        var (_, basePrivate) = EcPair(session);
        var point = EcPoint(session, peerPublic);
        Pkcs11Exception Refused(Action derive) => Assert.Throws<Pkcs11Exception>(derive);

        Assert.Equal(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED, Refused(() => session.DeriveKey(Ecdh(point), noDerive, AesTemplate())).RV);
        Assert.Equal(CKR.CKR_MECHANISM_PARAM_INVALID, Refused(() => session.DeriveKey(Ecdh(point, CKD.CKD_SHA256_KDF), basePrivate, AesTemplate())).RV);
        Assert.Equal(CKR.CKR_KEY_TYPE_INCONSISTENT, Refused(() => session.DeriveKey(Ecdh(point), peerPublic, AesTemplate())).RV);
        Assert.Equal(CKR.CKR_KEY_HANDLE_INVALID, Refused(() => session.DeriveKey(Ecdh(point), module.Factories.ObjectHandleFactory.Create(0x7FFF_FFF3UL), AesTemplate())).RV);
        Assert.Equal(CKR.CKR_MECHANISM_PARAM_INVALID, Refused(() => session.DeriveKey(Ecdh([0x04, 1, 2, 3]), basePrivate, AesTemplate())).RV);
        Assert.Equal(CKR.CKR_TEMPLATE_INCONSISTENT, Refused(() => session.DeriveKey(Ecdh(point), basePrivate,
            [module.Attribute(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_AES)])).RV);
        Assert.Equal(CKR.CKR_MECHANISM_INVALID, Refused(() => session.DeriveKey(module.Mechanism(CKM.CKM_ECDSA), basePrivate, AesTemplate())).RV);
        // 48 bytes is no AES key and more than P-256 agrees on.
        Assert.Equal(CKR.CKR_KEY_SIZE_RANGE, Refused(() => session.DeriveKey(Ecdh(point), basePrivate,
            [module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET), module.Attribute(CKA.CKA_VALUE_LEN, 48)])).RV);
    }
}
