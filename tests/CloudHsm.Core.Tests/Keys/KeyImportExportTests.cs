using System.Formats.Asn1;
using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Tests.Mechanisms;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Keys;

/// <summary>exportPrivateKey under the wrap rules, imports in clear through a TRUSTED KEK, and public keys .NET made.</summary>
public sealed class KeyImportExportTests(KeyWorldFixture fixture) : IClassFixture<KeyWorldFixture>
{
    private const string P256 = "1.2.840.10045.3.1.7";

    /// <summary>RFC 8032 TEST 1's public key as a SubjectPublicKeyInfo PEM (RFC 8410).</summary>
    private const string Ed25519Rfc8032Test1Pem = """
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
        -----END PUBLIC KEY-----
        """;

    private KeyWorld W => fixture.World;

    private async Task<ulong> WrappingKeyAsync() =>
        await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Wrap, true));

    [Theory]
    [InlineData(KeyType.Rsa, "2048")]
    [InlineData(KeyType.Ec, P256)]
    [InlineData(KeyType.Ec, "1.3.132.0.34")]
    public async Task ExportedPrivateKey_IsPkcs8ThatDotNetReads_WithTheExportedPublicKey(KeyType type, string parameter)
    {
        var (privateKey, publicKey) = await W.Keys.GenerateKeyPairAsync(W.Alice, type, parameter, AttributeSet.Empty, AttributeSet.Empty);
        var wrappingKey = await WrappingKeyAsync();

        var pkcs8 = W.Transfer.ExportPrivate(W.Alice, privateKey, wrappingKey);

        var publicPem = W.Keys.ExportPublicKey(W.Alice, publicKey);
        using AsymmetricAlgorithm imported = type == KeyType.Rsa ? RSA.Create() : ECDsa.Create();
        imported.ImportPkcs8PrivateKey(pkcs8, out var read);
        Assert.Equal(pkcs8.Length, read);
        Assert.Equal(publicPem, imported.ExportSubjectPublicKeyInfoPem());
        // and the exported key is the key: .NET signs, the HSM's public key verifies
        var data = "exported"u8.ToArray();
        var (signature, mechanism) = imported is RSA rsa
            ? (rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), MechanismId.Sha256RsaPkcs)
            : (((ECDsa)imported).SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation), MechanismId.EcdsaSha256);
        Assert.True(W.Crypto.Verify(W.Alice, publicKey, mechanism, data, signature));
    }

    [Fact]
    public async Task ExportedEd25519PrivateKey_IsRfc8410Pkcs8_OfTheExportedPublicKey()
    {
        var (privateKey, publicKey) = await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.EcEdwards, "", AttributeSet.Empty, AttributeSet.Empty);

        var pkcs8 = W.Transfer.ExportPrivate(W.Alice, privateKey, await WrappingKeyAsync());

        var reader = new AsnReader(pkcs8, AsnEncodingRules.DER).ReadSequence();
        Assert.Equal(0, (int)reader.ReadInteger());
        Assert.Equal(KeyGeneration.Ed25519Oid, reader.ReadSequence().ReadObjectIdentifier());
        var seed = new AsnReader(reader.ReadOctetString(), AsnEncodingRules.DER).ReadOctetString();
        var spki = PemEncoding.TryFind(W.Keys.ExportPublicKey(W.Alice, publicKey), out var fields)
            ? Convert.FromBase64String(W.Keys.ExportPublicKey(W.Alice, publicKey)[fields.Base64Data])
            : throw new InvalidOperationException("no PEM");
        Assert.Equal(Ed25519.PublicKeyOf(seed), spki[^32..]);
    }

    [Fact]
    public async Task ExportPrivate_FollowsTheWrapRules()
    {
        var wrappingKey = await WrappingKeyAsync();
        var (nonExtractable, _) = await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, P256, AttributeSet.Empty.With(AttributeId.Extractable, false), AttributeSet.Empty);
        var (wrapWithTrusted, _) = await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, P256, AttributeSet.Empty.With(AttributeId.WrapWithTrusted, true), AttributeSet.Empty);
        var (shared, sharedPublic) = await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty);
        await W.Keys.ShareAsync(W.Alice, shared, "bob", true);
        var bobsWrappingKey = await W.Keys.GenerateSymmetricAsync(W.Bob, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Wrap, true));
        var noWrap = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Encrypt, true));
        var secret = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty);

        W.AssertRefused(HsmError.RET_KEY_UNEXTRACTABLE, () => W.Transfer.ExportPrivate(W.Alice, nonExtractable, wrappingKey));
        W.AssertRefused(HsmError.RET_WRAPPING_KEY_NOT_TRUSTED, () => W.Transfer.ExportPrivate(W.Alice, wrapWithTrusted, wrappingKey));
        W.AssertRefused(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Transfer.ExportPrivate(W.Bob, shared, bobsWrappingKey));
        W.AssertRefused(HsmError.RET_KEY_FUNCTION_NOT_PERMITTED, () => W.Transfer.ExportPrivate(W.Alice, shared, noWrap));
        W.AssertRefused(HsmError.RET_KEY_TYPE_INCONSISTENT, () => W.Transfer.ExportPrivate(W.Alice, secret, wrappingKey));
        W.AssertRefused(HsmError.RET_KEY_TYPE_INCONSISTENT, () => W.Transfer.ExportPrivate(W.Alice, sharedPublic, wrappingKey));

        await W.Keys.SetAttributeAsync(W.Officer, wrappingKey, AttributeId.Trusted, [1]);
        Assert.NotEmpty(W.Transfer.ExportPrivate(W.Alice, wrapWithTrusted, wrappingKey));
    }

    [Fact]
    public async Task RestrictedUser_ExportsNothing_AndImportsNothing()
    {
        var (privateKey, _) = await W.Keys.GenerateKeyPairAsync(W.Bob, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty);
        var readable = await W.Keys.GenerateSymmetricAsync(W.Bob, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Sensitive, false));
        var wrappingKey = await W.Keys.GenerateSymmetricAsync(W.Bob, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Wrap, true));
        var trustedKek = await W.TrustedKekAsync(W.Bob);
        try
        {
            await W.Partition.Service.SetUserAttributesAsync(W.Officer, "bob", UserRestrictions.NoExport);
            W.AssertRefused(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Transfer.ExportPrivate(W.Bob, privateKey, wrappingKey));
            W.AssertRefused(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Keys.GetAttribute(W.Bob, readable, AttributeId.Value));

            await W.Partition.Service.SetUserAttributesAsync(W.Officer, "bob", UserRestrictions.NoUnwrap);
            await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () =>
                W.ImportSecretAsync(W.Bob, trustedKek, KeyType.Aes, RandomNumberGenerator.GetBytes(32)));
        }
        finally
        {
            await W.Partition.Service.SetUserAttributesAsync(W.Officer, "bob", UserRestrictions.None);
        }
    }

    [Fact]
    public async Task Import_NeedsAKekTheOfficerMarkedTrusted()
    {
        var kek = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Unwrap, true));
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var incoming = new IncomingKey(ObjectClass.PrivateKey, KeyType.Ec, AttributeSet.Empty.With(AttributeId.Label, "imported"));

        await W.AssertRefusedAsync(HsmError.RET_WRAPPING_KEY_NOT_TRUSTED, () => W.Transfer.ImportAsync(W.Alice, kek, ecdsa.ExportPkcs8PrivateKey(), incoming).AsTask());

        await W.Keys.SetAttributeAsync(W.Officer, kek, AttributeId.Trusted, [1]);
        var keys = W.KeyCount;
        var handle = await W.Transfer.ImportAsync(W.Alice, kek, ecdsa.ExportPkcs8PrivateKey(), incoming);

        Assert.Equal(keys + 1, W.KeyCount);
        var key = W.Key(handle);
        Assert.Equal(("alice", ObjectClass.PrivateKey, KeyType.Ec, "imported"), (key.Owner, key.Class, key.KeyType, key.Label));
        Assert.Equal(false, key.Attributes.Bool(AttributeId.Local));
        Assert.Equal(false, key.Attributes.Bool(AttributeId.NeverExtractable));
        Assert.Equal(false, key.Attributes.Bool(AttributeId.AlwaysSensitive));
        var signature = W.Crypto.Sign(W.Alice, handle, MechanismId.EcdsaSha256, "imported key"u8);
        Assert.True(ecdsa.VerifyData("imported key"u8, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public async Task ImportedRsaKey_SignsForDotNet_AndKnownSecretKeepsItsValue()
    {
        var kek = await W.TrustedKekAsync(W.Alice);
        using var rsa = RSA.Create(2048);

        var handle = await W.Transfer.ImportAsync(W.Alice, kek, rsa.ExportPkcs8PrivateKey(), new IncomingKey(ObjectClass.PrivateKey, KeyType.Rsa, AttributeSet.Empty));
        var signature = W.Crypto.Sign(W.Alice, handle, MechanismId.Sha256RsaPkcsPss, "imported rsa"u8);
        Assert.True(rsa.VerifyData("imported rsa"u8, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        Assert.Equal(rsa.ExportParameters(false).Modulus, W.Key(handle).Attributes.Raw(AttributeId.Modulus));

        var value = RandomNumberGenerator.GetBytes(32);
        var secret = await W.ImportSecretAsync(W.Alice, kek, KeyType.Aes, value, AttributeSet.Empty.With(AttributeId.Sensitive, false));
        Assert.Equal(value, W.Keys.GetAttribute(W.Alice, secret, AttributeId.Value));
    }

    [Fact]
    public async Task Import_RefusesAKekWithoutUnwrap_AndBytesThatAreNoKey()
    {
        var kek = await W.TrustedKekAsync(W.Alice);
        var wrapOnly = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Wrap, true));
        await W.Keys.SetAttributeAsync(W.Officer, wrapOnly, AttributeId.Trusted, [1]);
        using var small = RSA.Create(1024);

        await W.AssertRefusedAsync(HsmError.RET_KEY_FUNCTION_NOT_PERMITTED, () => W.ImportSecretAsync(W.Alice, wrapOnly, KeyType.Aes, new byte[32]));
        await W.AssertRefusedAsync(HsmError.RET_WRAPPED_KEY_INVALID, () =>
            W.Transfer.ImportAsync(W.Alice, kek, "not a key at all"u8.ToArray(), new IncomingKey(ObjectClass.PrivateKey, KeyType.Rsa, AttributeSet.Empty)).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_SIZE_RANGE, () =>
            W.Transfer.ImportAsync(W.Alice, kek, small.ExportPkcs8PrivateKey(), new IncomingKey(ObjectClass.PrivateKey, KeyType.Rsa, AttributeSet.Empty)).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_SIZE_RANGE, () => W.ImportSecretAsync(W.Alice, kek, KeyType.Aes, new byte[20]));
        await W.AssertRefusedAsync(HsmError.RET_ATTRIBUTE_READ_ONLY, () =>
            W.ImportSecretAsync(W.Alice, kek, KeyType.Aes, new byte[32], AttributeSet.Empty.With(AttributeId.Local, true)));
    }

    [Fact]
    public async Task ImportedRsaPublicKeyPem_VerifiesDotNetSignatures()
    {
        using var rsa = RSA.Create(2048);
        var handle = await W.Keys.ImportPublicKeyAsync(W.Alice, System.Text.Encoding.ASCII.GetBytes(rsa.ExportSubjectPublicKeyInfoPem()), AttributeSet.Empty);
        var signature = rsa.SignData("from .NET"u8.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        Assert.True(W.Crypto.Verify(W.Alice, handle, MechanismId.Sha256RsaPkcs, "from .NET"u8, signature));
        Assert.False(W.Crypto.Verify(W.Alice, handle, MechanismId.Sha256RsaPkcs, "from .NEt"u8, signature));
        var key = W.Key(handle);
        Assert.Equal((ObjectClass.PublicKey, KeyType.Rsa, 2048UL), (key.Class, key.KeyType, key.Attributes.Number(AttributeId.ModulusBits)));
        Assert.Equal(false, key.Attributes.Bool(AttributeId.Local));
        Assert.Equal(rsa.ExportSubjectPublicKeyInfoPem(), W.Keys.ExportPublicKey(W.Alice, handle));
    }

    [Fact]
    public async Task ImportedEcPublicKeyPem_VerifiesDotNetSignatures()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var handle = await W.Keys.ImportPublicKeyAsync(W.Alice, System.Text.Encoding.ASCII.GetBytes(ecdsa.ExportSubjectPublicKeyInfoPem()), AttributeSet.Empty);
        var signature = ecdsa.SignData("from .NET"u8.ToArray(), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        Assert.True(W.Crypto.Verify(W.Alice, handle, MechanismId.EcdsaSha256, "from .NET"u8, signature));
        Assert.False(W.Crypto.Verify(W.Alice, handle, MechanismId.EcdsaSha256, "from .NEt"u8, signature));
        Assert.Equal((ObjectClass.PublicKey, KeyType.Ec), (W.Key(handle).Class, W.Key(handle).KeyType));
        // DER works as well as PEM
        var der = await W.Keys.ImportPublicKeyAsync(W.Alice, ecdsa.ExportSubjectPublicKeyInfo(), AttributeSet.Empty);
        Assert.True(W.Crypto.Verify(W.Alice, der, MechanismId.EcdsaSha256, "from .NET"u8, signature));
    }

    [Fact]
    public async Task ImportedEd25519PublicKeyPem_VerifiesTheRfc8032Signature()
    {
        var vector = Rfc8032Vectors.ByName["TEST 1"];

        var handle = await W.Keys.ImportPublicKeyAsync(W.Alice, System.Text.Encoding.ASCII.GetBytes(Ed25519Rfc8032Test1Pem), AttributeSet.Empty);

        Assert.Equal(KeyType.EcEdwards, W.Key(handle).KeyType);
        Assert.True(W.Crypto.Verify(W.Alice, handle, MechanismId.EdDsa, Convert.FromHexString(vector.Message), Convert.FromHexString(vector.Signature)));
        Assert.False(W.Crypto.Verify(W.Alice, handle, MechanismId.EdDsa, "x"u8, Convert.FromHexString(vector.Signature)));
        Assert.Equal(Ed25519Rfc8032Test1Pem, W.Keys.ExportPublicKey(W.Alice, handle));
    }

    [Fact]
    public async Task PublicKeyImport_RefusesWhatItCannotRead()
    {
        using var small = RSA.Create(1024);
        using var k1 = ECDsa.Create(ECCurve.CreateFromFriendlyName("brainpoolP256r1"));

        await W.AssertRefusedAsync(HsmError.RET_KEY_SIZE_RANGE, () =>
            W.Keys.ImportPublicKeyAsync(W.Alice, small.ExportSubjectPublicKeyInfo(), AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_CURVE_NOT_SUPPORTED, () =>
            W.Keys.ImportPublicKeyAsync(W.Alice, k1.ExportSubjectPublicKeyInfo(), AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_WRAPPED_KEY_INVALID, () =>
            W.Keys.ImportPublicKeyAsync(W.Alice, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"u8.ToArray(), AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_WRAPPED_KEY_INVALID, () =>
            W.Keys.ImportPublicKeyAsync(W.Alice, "garbage"u8.ToArray(), AttributeSet.Empty).AsTask());
    }
}
