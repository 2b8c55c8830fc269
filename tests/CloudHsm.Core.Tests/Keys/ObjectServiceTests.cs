using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Tests.Support;

namespace CloudHsm.Core.Tests.Keys;

/// <summary>
/// Certificates, data objects and public keys made from templates, and copies: key records on the
/// key path (owned, found, counted, deleted as keys), with their own rules for values.
/// </summary>
public sealed class ObjectServiceTests(KeyWorldFixture fixture) : IClassFixture<KeyWorldFixture>
{
    private static readonly AttributeSet X509 = AttributeSet.Empty.With(AttributeId.CertificateType, AttributePolicy.X509CertificateType);
    private static readonly CipherParameters Gcm = new() { AssociatedData = "copy"u8.ToArray() };

    private KeyWorld W => fixture.World;

    private ObjectService Objects => new(W.Objects);

    private static byte[] NewCertificate(string subject, out X509Certificate2 parsed)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        var der = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30)).Export(X509ContentType.Cert);
        parsed = X509CertificateLoader.LoadCertificate(der);
        return der;
    }

    [Fact]
    public async Task Certificate_IsStoredAsAnOwnedTokenObject_WithItsDerReadable_AndItsNamesFilledIn()
    {
        var der = NewCertificate("CN=web.example, O=CloudHSM", out var parsed);
        var id = RandomNumberGenerator.GetBytes(8);
        var before = W.KeyCount;

        var handle = await Objects.CreateAsync(W.Alice, ObjectClass.Certificate, X509.With(AttributeId.Value, der).With(AttributeId.Id, id).With(AttributeId.Label, "web"));

        var stored = W.Key(handle);
        Assert.Equal(before + 1, W.KeyCount);
        Assert.Equal("alice", stored.Owner);
        Assert.Equal(ObjectClass.Certificate, stored.Class);
        Assert.Equal(parsed.SubjectName.RawData, stored.Attributes.Raw(AttributeId.Subject));
        Assert.Equal(parsed.IssuerName.RawData, stored.Attributes.Raw(AttributeId.Issuer));
        Assert.Equal(parsed.SerialNumberBytes.ToArray(), new AsnReader(stored.Attributes.Raw(AttributeId.SerialNumber)!, AsnEncodingRules.DER).ReadIntegerBytes().ToArray());
        Assert.Equal(SHA1.HashData(der)[..3], stored.Attributes.Raw(AttributeId.CheckValue));
        Assert.False(stored.Attributes.Contains(AttributeId.Value));
        Assert.Equal(der, W.Partition.Keys.Secrets.Unseal(stored.SealedMaterial, SealPurpose.KeyMaterial));
        Assert.Equal(der, W.Keys.GetAttribute(W.Alice, handle, AttributeId.Value));
        Assert.True(stored.ApproximateSize > der.Length);

        Assert.Equal([handle], W.Keys.Find(W.Alice, new KeyQuery { Class = ObjectClass.Certificate, Id = id }).Select(k => k.Handle));
        Assert.DoesNotContain(W.Keys.Find(W.Alice, new KeyQuery { KeyType = KeyType.Rsa, Limit = 10_000 }), k => k.Handle == handle);
        Assert.Empty(W.Keys.Find(W.Bob, new KeyQuery { Class = ObjectClass.Certificate, Id = id }));

        await W.Keys.DeleteAsync(W.Alice, handle);
        Assert.Equal(before, W.KeyCount);
    }

    [Fact]
    public async Task CertificateValue_MustBeOneDerCertificate()
    {
        var der = NewCertificate("CN=strict", out _);
        var pem = System.Text.Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE", der));

        foreach (var bad in new[] { der[..^1], [.. der, 0x00], pem, "not a certificate"u8.ToArray(), [0x30, 0x00] })
        {
            await W.AssertRefusedAsync(HsmError.RET_CERT_INVALID, () => Objects.CreateAsync(W.Alice, ObjectClass.Certificate, X509.With(AttributeId.Value, bad)).AsTask());
        }
        await W.AssertRefusedAsync(HsmError.RET_TEMPLATE_INCOMPLETE, () => Objects.CreateAsync(W.Alice, ObjectClass.Certificate, X509).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_TEMPLATE_INCOMPLETE, () => Objects.CreateAsync(W.Alice, ObjectClass.Certificate, X509.With(AttributeId.Value, [])).AsTask());
    }

    [Fact]
    public async Task OnlyCryptoUsersMakeObjects_AndKeysAreNeverTakenInClear()
    {
        var der = NewCertificate("CN=officer", out _);
        await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED,
            () => Objects.CreateAsync(W.Officer, ObjectClass.Certificate, X509.With(AttributeId.Value, der)).AsTask());
        foreach (var objectClass in new[] { ObjectClass.SecretKey, ObjectClass.PrivateKey })
        {
            await W.AssertRefusedAsync(HsmError.RET_TEMPLATE_INCONSISTENT, () => Objects.CreateAsync(W.Alice, objectClass,
                AttributeSet.Empty.With(AttributeId.KeyType, (ulong)KeyType.Aes).With(AttributeId.Value, new byte[32])).AsTask());
        }
        await W.AssertRefusedAsync(HsmError.RET_TEMPLATE_INCONSISTENT, () => Objects.CreateAsync(W.Alice, ObjectClass.Data,
            AttributeSet.Empty.With(AttributeId.Class, (ulong)ObjectClass.Certificate)).AsTask());
    }

    [Fact]
    public async Task PrivateDataObject_IsReadOnlyByItsOwner_EvenWhenShared_APublicOneByEveryoneItIsSharedWith()
    {
        var secret = await Objects.CreateAsync(W.Alice, ObjectClass.Data, AttributeSet.Empty.With(AttributeId.Value, "pin-block"u8.ToArray()).With(AttributeId.Application, "app"));
        var open = await Objects.CreateAsync(W.Alice, ObjectClass.Data,
            AttributeSet.Empty.With(AttributeId.Value, "hello"u8.ToArray()).With(AttributeId.Private, false));
        await W.Keys.ShareAsync(W.Alice, secret, "bob", share: true);
        await W.Keys.ShareAsync(W.Alice, open, "bob", share: true);

        Assert.Equal("pin-block"u8.ToArray(), W.Keys.GetAttribute(W.Alice, secret, AttributeId.Value));
        Assert.Equal("app"u8.ToArray(), W.Keys.GetAttribute(W.Bob, secret, AttributeId.Application));
        W.AssertRefused(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Keys.GetAttribute(W.Bob, secret, AttributeId.Value));
        Assert.Equal("hello"u8.ToArray(), W.Keys.GetAttribute(W.Bob, open, AttributeId.Value));

        var empty = await Objects.CreateAsync(W.Alice, ObjectClass.Data, AttributeSet.Empty);
        Assert.Empty(W.Keys.GetAttribute(W.Alice, empty, AttributeId.Value));
    }

    [Fact]
    public async Task SessionCertificate_LivesInItsLoginOnly()
    {
        var login = await W.LoginAgainAsync("alice");
        var before = W.KeyCount;
        var handle = await Objects.CreateAsync(login, ObjectClass.Certificate,
            X509.With(AttributeId.Value, NewCertificate("CN=session", out _)).With(AttributeId.Token, false));

        Assert.Equal(before, W.KeyCount);
        Assert.Null(W.Partition.Store.FindKey(handle));
        Assert.Equal(ObjectClass.Certificate, W.Keys.Get(login, handle).Class);
        W.AssertRefused(HsmError.RET_KEY_NOT_FOUND, () => W.Keys.Get(W.Alice, handle));
        W.Partition.Service.Logout(login);
    }

    [Fact]
    public async Task CertificateIsNoKey_ItIsNotUsedForCryptoNorRotated()
    {
        var handle = await Objects.CreateAsync(W.Alice, ObjectClass.Certificate, X509.With(AttributeId.Value, NewCertificate("CN=no key", out _)));

        W.AssertRefused(HsmError.RET_KEY_TYPE_INCONSISTENT, () => W.Crypto.Sign(W.Alice, handle, MechanismId.EcdsaSha256, "x"u8));
        await W.AssertRefusedAsync(HsmError.RET_KEY_TYPE_INCONSISTENT, () => W.Keys.RotateAsync(W.Alice, handle).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_ATTRIBUTE_READ_ONLY, () => W.Keys.SetAttributeAsync(W.Alice, handle, AttributeId.Value, [1]).AsTask());
        await W.Keys.SetAttributeAsync(W.Alice, handle, AttributeId.Label, "renamed"u8.ToArray());
        await W.Keys.SetAttributeAsync(W.Officer, handle, AttributeId.Trusted, [1]);
        Assert.True(W.Key(handle).Attributes.IsTrue(AttributeId.Trusted));
        Assert.Equal("renamed", W.Key(handle).Label);
    }

    [Fact]
    public async Task PublicKeys_MadeFromTheirAttributes_VerifyWhatTheirPrivateKeysSigned()
    {
        using var rsa = RSA.Create(2048);
        var rsaParameters = rsa.ExportParameters(false);
        var rsaHandle = await Objects.CreateAsync(W.Alice, ObjectClass.PublicKey, AttributeSet.Empty
            .With(AttributeId.KeyType, (ulong)KeyType.Rsa).With(AttributeId.Modulus, rsaParameters.Modulus!)
            .With(AttributeId.PublicExponent, rsaParameters.Exponent!).With(AttributeId.Label, "rsa-pub"));
        var rsaSignature = rsa.SignData("signed"u8.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.True(W.Crypto.Verify(W.Alice, rsaHandle, MechanismId.Sha256RsaPkcs, "signed"u8, rsaSignature));
        Assert.Equal(2048UL, W.Key(rsaHandle).Attributes.Number(AttributeId.ModulusBits));
        Assert.False(W.Key(rsaHandle).Attributes.IsTrue(AttributeId.Local));

        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = ec.ExportParameters(false).Q;
        var point = new AsnWriter(AsnEncodingRules.DER);
        point.WriteOctetString([0x04, .. q.X!, .. q.Y!]);
        var oid = new AsnWriter(AsnEncodingRules.DER);
        oid.WriteObjectIdentifier("1.2.840.10045.3.1.7");
        var ecHandle = await Objects.CreateAsync(W.Alice, ObjectClass.PublicKey, AttributeSet.Empty
            .With(AttributeId.KeyType, (ulong)KeyType.Ec).With(AttributeId.EcParams, oid.Encode()).With(AttributeId.EcPoint, point.Encode()));
        var ecSignature = ec.SignData("signed"u8.ToArray(), HashAlgorithmName.SHA256);
        Assert.True(W.Crypto.Verify(W.Alice, ecHandle, MechanismId.EcdsaSha256, "signed"u8, ecSignature));

        await W.AssertRefusedAsync(HsmError.RET_TEMPLATE_INCOMPLETE, () => Objects.CreateAsync(W.Alice, ObjectClass.PublicKey,
            AttributeSet.Empty.With(AttributeId.KeyType, (ulong)KeyType.Rsa).With(AttributeId.Modulus, rsaParameters.Modulus!)).AsTask());
        byte[] offCurve = [0x04, 0x41, 0x04, .. new byte[64]];
        await W.AssertRefusedAsync(HsmError.RET_ATTRIBUTE_VALUE_INVALID, () => Objects.CreateAsync(W.Alice, ObjectClass.PublicKey, AttributeSet.Empty
            .With(AttributeId.KeyType, (ulong)KeyType.Ec).With(AttributeId.EcParams, oid.Encode()).With(AttributeId.EcPoint, offCurve)).AsTask());
    }

    [Fact]
    public async Task SessionKeyCopiedToTheToken_IsAStoredKeyWithTheSameMaterial_AndTheOriginalStays()
    {
        var session = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32,
            AttributeSet.Empty.With(AttributeId.Token, false).With(AttributeId.Label, "ephemeral"));

        var copy = await Objects.CopyAsync(W.Alice, session, AttributeSet.Empty.With(AttributeId.Token, true).With(AttributeId.Label, "kept"));

        var stored = W.Key(copy);
        Assert.True(stored.IsToken);
        Assert.Equal("kept", stored.Label);
        Assert.Equal("alice", stored.Owner);
        Assert.Equal(W.Keys.Get(W.Alice, session).Kcv, stored.Kcv);
        var sealedData = W.Crypto.Encrypt(W.Alice, session, MechanismId.AesGcm, Gcm, "same key"u8);
        Assert.Equal("same key"u8.ToArray(), W.Crypto.Decrypt(W.Alice, copy, MechanismId.AesGcm, Gcm with { Iv = sealedData.Iv }, sealedData.Output));
        Assert.False(W.Keys.Get(W.Alice, session).IsToken);
    }

    [Fact]
    public async Task CopyRefusals_LeaveEverythingAsItWas()
    {
        var locked = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Extractable, false));
        await W.Keys.ShareAsync(W.Alice, locked, "bob", share: true);

        await W.AssertRefusedAsync(HsmError.RET_ATTRIBUTE_READ_ONLY, () => Objects.CopyAsync(W.Alice, locked, AttributeSet.Empty.With(AttributeId.Extractable, true)).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () => Objects.CopyAsync(W.Bob, locked, AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () => Objects.CopyAsync(W.Officer, locked, AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_NOT_FOUND, () => Objects.CopyAsync(W.Alice, 0x7FFF_FFFE, AttributeSet.Empty).AsTask());

        await W.Keys.RetireAsync(W.Alice, locked);
        await W.AssertRefusedAsync(HsmError.RET_KEY_RETIRED, () => Objects.CopyAsync(W.Alice, locked, AttributeSet.Empty).AsTask());
    }

    [Fact]
    public async Task CopyOfATrustedKey_IsNotTrusted_AndIsNotShared()
    {
        var kek = await W.TrustedKekAsync(W.Alice);
        await W.Keys.ShareAsync(W.Alice, kek, "bob", share: true);

        var copy = await Objects.CopyAsync(W.Alice, kek, AttributeSet.Empty);

        Assert.False(W.Key(copy).Attributes.IsTrue(AttributeId.Trusted));
        Assert.Empty(W.Key(copy).Shares);
        Assert.True(W.Key(kek).Attributes.IsTrue(AttributeId.Trusted));
    }

    [Fact]
    public async Task ObjectsCountAgainstThePartitionsCapacity()
    {
        using var small = await KeyWorld.CreateAsync(new PartitionPolicy { MaxKeys = 2 });
        var objects = new ObjectService(small.Objects);
        var data = await objects.CreateAsync(small.Alice, ObjectClass.Data, AttributeSet.Empty);
        await objects.CreateAsync(small.Alice, ObjectClass.Certificate, X509.With(AttributeId.Value, NewCertificate("CN=full", out _)));

        await small.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () => objects.CreateAsync(small.Alice, ObjectClass.Data, AttributeSet.Empty).AsTask());
        await small.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () => objects.CopyAsync(small.Alice, data, AttributeSet.Empty).AsTask());
    }
}
