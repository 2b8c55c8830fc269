using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_CreateObject (certificates, data objects, public keys), C_CopyObject and C_GetObjectSize through Pkcs11Interop.</summary>
[Collection(ModuleCollection.Name)]
public sealed class ObjectCreationTests(ModuleFixture module)
{
    private static readonly byte[] P256Params = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];

    private static byte[] NewCertificate(string subject, out X509Certificate2 parsed)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = DateTimeOffset.UtcNow;
        using var made = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        var der = made.Export(X509ContentType.Cert);
        parsed = X509CertificateLoader.LoadCertificate(der);
        return der;
    }

    private List<IObjectAttribute> CertificateTemplate(byte[] der, byte[] id, string label, bool token = true) =>
    [
        module.Attribute(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE),
        module.Attribute(CKA.CKA_CERTIFICATE_TYPE, (ulong)CKC.CKC_X_509),
        module.Attribute(CKA.CKA_TOKEN, token),
        module.Attribute(CKA.CKA_VALUE, der),
        module.Attribute(CKA.CKA_ID, id),
        module.Attribute(CKA.CKA_LABEL, label),
    ];

    private static CKR Refusal(Action action) => Assert.Throws<Pkcs11Exception>(action).RV;

    [Fact]
    public void Certificate_IsStored_ReadBack_AndFoundByClassAndId()
    {
        using var session = module.UserSession();
        var der = NewCertificate("CN=pkcs11 certificate, O=CloudHSM", out var parsed);
        var id = RandomNumberGenerator.GetBytes(8);

        var handle = session.CreateObject(CertificateTemplate(der, id, "web-cert"));

        var values = session.GetAttributeValue(handle,
            [CKA.CKA_VALUE, CKA.CKA_SUBJECT, CKA.CKA_ISSUER, CKA.CKA_CERTIFICATE_TYPE, CKA.CKA_TOKEN, CKA.CKA_PRIVATE, CKA.CKA_TRUSTED, CKA.CKA_LABEL, CKA.CKA_SERIAL_NUMBER]);
        Assert.Equal(der, values[0].GetValueAsByteArray());
        Assert.Equal(parsed.SubjectName.RawData, values[1].GetValueAsByteArray());
        Assert.Equal(parsed.IssuerName.RawData, values[2].GetValueAsByteArray());
        Assert.Equal((ulong)CKC.CKC_X_509, values[3].GetValueAsUlong());
        Assert.True(values[4].GetValueAsBool());
        Assert.False(values[5].GetValueAsBool());
        Assert.False(values[6].GetValueAsBool());
        Assert.Equal("web-cert", values[7].GetValueAsString());
        Assert.Equal([0x02, (byte)parsed.SerialNumberBytes.Length, .. parsed.SerialNumberBytes.Span], values[8].GetValueAsByteArray());
        // A certificate is not a key: it has no key type nor usage flags.
        Assert.True(session.GetAttributeValue(handle, [CKA.CKA_KEY_TYPE, CKA.CKA_SIGN])[0].CannotBeRead);

        var found = session.FindAllObjects([module.Attribute(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE), module.Attribute(CKA.CKA_ID, id)]);
        Assert.Equal(handle.ObjectId, Assert.Single(found).ObjectId);
        Assert.DoesNotContain(session.FindAllObjects([module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_RSA), module.Attribute(CKA.CKA_ID, id)]),
            h => h.ObjectId == handle.ObjectId);

        session.SetAttributeValue(handle, [module.Attribute(CKA.CKA_LABEL, "renamed")]);
        Assert.Equal("renamed", session.GetAttributeValue(handle, [CKA.CKA_LABEL])[0].GetValueAsString());
        Assert.Equal(CKR.CKR_ATTRIBUTE_READ_ONLY, Refusal(() => session.SetAttributeValue(handle, [module.Attribute(CKA.CKA_VALUE, new byte[] { 1 })])));
        session.DestroyObject(handle);
        Assert.Empty(session.FindAllObjects([module.Attribute(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE), module.Attribute(CKA.CKA_ID, id)]));
    }

    [Fact]
    public void DataObject_RoundTrips()
    {
        using var session = module.UserSession();
        var label = "data-" + Guid.NewGuid().ToString("N");
        var value = RandomNumberGenerator.GetBytes(300);

        var handle = session.CreateObject([
            module.Attribute(CKA.CKA_CLASS, CKO.CKO_DATA), module.Attribute(CKA.CKA_LABEL, label),
            module.Attribute(CKA.CKA_APPLICATION, "billing"), module.Attribute(CKA.CKA_VALUE, value)]);

        var values = session.GetAttributeValue(handle, [CKA.CKA_VALUE, CKA.CKA_APPLICATION, CKA.CKA_TOKEN, CKA.CKA_PRIVATE, CKA.CKA_OBJECT_ID]);
        Assert.Equal(value, values[0].GetValueAsByteArray());
        Assert.Equal("billing", values[1].GetValueAsString());
        Assert.False(values[2].GetValueAsBool()); // PKCS#11's default: a session object
        Assert.True(values[3].GetValueAsBool());
        Assert.Empty(values[4].GetValueAsByteArray() ?? []);
        var found = session.FindAllObjects([module.Attribute(CKA.CKA_CLASS, CKO.CKO_DATA), module.Attribute(CKA.CKA_LABEL, label)]);
        Assert.Equal(handle.ObjectId, Assert.Single(found).ObjectId);
    }

    [Fact]
    public void PublicKey_MadeFromItsModulusAndExponent_VerifiesASignatureMadeOutside()
    {
        using var session = module.UserSession();
        using var rsa = RSA.Create(2048);
        var parameters = rsa.ExportParameters(false);
        var data = "verified in the partition"u8.ToArray();
        var signature = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        var handle = session.CreateObject([
            module.Attribute(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_RSA),
            module.Attribute(CKA.CKA_MODULUS, parameters.Modulus!), module.Attribute(CKA.CKA_PUBLIC_EXPONENT, parameters.Exponent!),
            module.Attribute(CKA.CKA_VERIFY, true)]);

        session.Verify(module.Mechanism(CKM.CKM_SHA256_RSA_PKCS), handle, data, signature, out var valid);
        Assert.True(valid);
        Assert.Equal(2048UL, session.GetAttributeValue(handle, [CKA.CKA_MODULUS_BITS])[0].GetValueAsUlong());
    }

    [Fact]
    public void SessionKeyCopiedToTheToken_SignsAndOutlivesItsSession()
    {
        var label = "copied-" + Guid.NewGuid().ToString("N");
        var alias = System.Text.Encoding.UTF8.GetBytes(label);
        byte[] signature;
        var data = "signed with the copy"u8.ToArray();
        ulong copyHandle;
        using (var session = module.UserSession())
        {
            session.GenerateKeyPair(module.Mechanism(CKM.CKM_EC_KEY_PAIR_GEN),
                [module.Attribute(CKA.CKA_EC_PARAMS, P256Params), module.Attribute(CKA.CKA_LABEL, "session pair")],
                [module.Attribute(CKA.CKA_SIGN, true), module.Attribute(CKA.CKA_LABEL, "session pair")],
                out var sessionPublicKey, out var privateKey);

            // As Java's keystore stores a session key: TOKEN, and the alias as the new object's ID.
            var copy = session.CopyObject(privateKey, [module.Attribute(CKA.CKA_TOKEN, true), module.Attribute(CKA.CKA_LABEL, label), module.Attribute(CKA.CKA_ID, alias)]);
            session.CopyObject(sessionPublicKey, [module.Attribute(CKA.CKA_TOKEN, true), module.Attribute(CKA.CKA_LABEL, label)]);

            copyHandle = copy.ObjectId;
            Assert.NotEqual(privateKey.ObjectId, copyHandle);
            Assert.True(session.GetAttributeValue(copy, [CKA.CKA_TOKEN])[0].GetValueAsBool());
            Assert.False(session.GetAttributeValue(privateKey, [CKA.CKA_TOKEN])[0].GetValueAsBool());
            signature = session.Sign(module.Mechanism(CKM.CKM_ECDSA_SHA256), copy, data);
        }
        using var later = module.UserSession();
        var publicKey = Assert.Single(later.FindAllObjects([module.Attribute(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), module.Attribute(CKA.CKA_LABEL, label)]));
        var kept = Assert.Single(later.FindAllObjects([module.Attribute(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), module.Attribute(CKA.CKA_ID, alias)]));
        Assert.Equal(copyHandle, kept.ObjectId);
        later.Verify(module.Mechanism(CKM.CKM_ECDSA_SHA256), publicKey, data, signature, out var valid);
        Assert.True(valid);
        later.DestroyObject(kept);
        later.DestroyObject(publicKey);
    }

    [Fact]
    public void Copy_KeepsTheOneWayRules()
    {
        using var session = module.UserSession();
        var key = session.GenerateKey(module.Mechanism(CKM.CKM_AES_KEY_GEN),
            [module.Attribute(CKA.CKA_VALUE_LEN, 32), module.Attribute(CKA.CKA_EXTRACTABLE, false), module.Attribute(CKA.CKA_LABEL, "locked")]);

        Assert.Equal(CKR.CKR_ATTRIBUTE_READ_ONLY, Refusal(() => session.CopyObject(key, [module.Attribute(CKA.CKA_EXTRACTABLE, true)])));
        Assert.Equal(CKR.CKR_ATTRIBUTE_READ_ONLY, Refusal(() => session.CopyObject(key, [module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET)])));
        Assert.Equal(CKR.CKR_OBJECT_HANDLE_INVALID, Refusal(() => session.CopyObject(session.Factories.ObjectHandleFactory.Create(0x7FFF_FFF0), [])));

        var copy = session.CopyObject(key, [module.Attribute(CKA.CKA_LABEL, "locked copy")]);
        var values = session.GetAttributeValue(copy, [CKA.CKA_LABEL, CKA.CKA_EXTRACTABLE, CKA.CKA_NEVER_EXTRACTABLE, CKA.CKA_COPYABLE, CKA.CKA_TOKEN]);
        Assert.Equal("locked copy", values[0].GetValueAsString());
        Assert.False(values[1].GetValueAsBool());
        Assert.True(values[2].GetValueAsBool());
        Assert.True(values[3].GetValueAsBool());
        Assert.False(values[4].GetValueAsBool());

        using var readOnly = module.Slot.OpenSession(SessionType.ReadOnly);
        Assert.Equal(CKR.CKR_SESSION_READ_ONLY, Refusal(() => readOnly.CopyObject(key, [module.Attribute(CKA.CKA_TOKEN, true)])));
    }

    [Fact]
    public unsafe void ObjectSize_IsTheObjectsApproximateSize_AndTheCRulesHold()
    {
        using var session = module.UserSession();
        var der = NewCertificate("CN=size", out _);
        var certificate = session.CreateObject(CertificateTemplate(der, [0x51], "size", token: false));
        var key = session.GenerateKey(module.Mechanism(CKM.CKM_AES_KEY_GEN), [module.Attribute(CKA.CKA_VALUE_LEN, 16)]);

        var certificateSize = session.GetObjectSize(certificate);
        var keySize = session.GetObjectSize(key);
        Assert.InRange(certificateSize, (ulong)der.Length, (ulong)der.Length + 2048);
        Assert.InRange(keySize, 16UL, 2048UL);
        Assert.Equal(CKR.CKR_OBJECT_HANDLE_INVALID, Refusal(() => session.GetObjectSize(session.Factories.ObjectHandleFactory.Create(0x7FFF_FFF1))));

        var getObjectSize = (delegate* unmanaged<ulong, ulong, ulong*, ulong>)NativeLibrary.GetExport(NativeLibrary.Load(ModuleFixture.LibraryPath), "C_GetObjectSize");
        Assert.Equal((ulong)CKR.CKR_ARGUMENTS_BAD, getObjectSize(session.SessionId, certificate.ObjectId, null));
    }

    [Fact]
    public void CreateRefusals_HaveTheirOwnReturnValues()
    {
        var der = NewCertificate("CN=refused", out _);
        var id = RandomNumberGenerator.GetBytes(8);
        using (var anonymous = module.Slot.OpenSession(SessionType.ReadWrite))
        {
            Assert.Equal(CKR.CKR_USER_NOT_LOGGED_IN, Refusal(() => anonymous.CreateObject(CertificateTemplate(der, id, "anonymous"))));
        }
        using var session = module.UserSession();
        Assert.Equal(CKR.CKR_ATTRIBUTE_VALUE_INVALID, Refusal(() => session.CreateObject(CertificateTemplate(der[..^3], id, "truncated"))));
        Assert.Equal(CKR.CKR_TEMPLATE_INCOMPLETE, Refusal(() => session.CreateObject(
            [.. CertificateTemplate(der, id, "no value").Where(a => a.Type != (ulong)CKA.CKA_VALUE)])));
        Assert.Equal(CKR.CKR_TEMPLATE_INCOMPLETE, Refusal(() => session.CreateObject([module.Attribute(CKA.CKA_VALUE, der)])));
        Assert.Equal(CKR.CKR_TEMPLATE_INCONSISTENT, Refusal(() => session.CreateObject([
            module.Attribute(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_AES), module.Attribute(CKA.CKA_VALUE, new byte[32])])));
        Assert.Equal(CKR.CKR_ACTION_PROHIBITED, Refusal(() => session.CreateObject([.. CertificateTemplate(der, id, "trusted"), module.Attribute(CKA.CKA_TRUSTED, true)])));
        using (var readOnly = module.Slot.OpenSession(SessionType.ReadOnly))
        {
            Assert.Equal(CKR.CKR_SESSION_READ_ONLY, Refusal(() => readOnly.CreateObject(CertificateTemplate(der, id, "read-only"))));
            var sessionCertificate = readOnly.CreateObject(CertificateTemplate(der, id, "session object in a R/O session", token: false));
            Assert.Equal(der, readOnly.GetAttributeValue(sessionCertificate, [CKA.CKA_VALUE])[0].GetValueAsByteArray());
        }
        Assert.Empty(session.FindAllObjects([module.Attribute(CKA.CKA_ID, id)]));
    }
}
