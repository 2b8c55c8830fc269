using System.Formats.Asn1;
using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Keys;

/// <summary>deriveKey: ECDH1 and the SP 800-108 counter KDF, checked against .NET, and the history a derived key carries.</summary>
public sealed class DerivationTests(KeyWorldFixture fixture) : IClassFixture<KeyWorldFixture>
{
    private const string P256 = "1.2.840.10045.3.1.7";
    private static readonly AttributeSet Readable = AttributeSet.Empty.With(AttributeId.Sensitive, false);
    private static readonly CipherParameters Gcm = new() { AssociatedData = "derived"u8.ToArray() };

    private KeyWorld W => fixture.World;

    private async Task<(ulong Private, ulong Public)> EcdhPairAsync(string curve = P256) =>
        await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, curve, AttributeSet.Empty.With(AttributeId.Derive, true), AttributeSet.Empty);

    private byte[] PointOf(ulong publicKey) => W.Key(publicKey).Attributes.Raw(AttributeId.EcPoint)!;

    [Fact]
    public async Task Ecdh_BothSidesOfTwoHsmKeys_DeriveTheSameKey()
    {
        var (aPrivate, aPublic) = await EcdhPairAsync();
        var (bPrivate, bPublic) = await EcdhPairAsync();

        var fromA = await W.Derivation.DeriveAsync(W.Alice, aPrivate, MechanismId.Ecdh1Derive, new DeriveParameters { PublicData = PointOf(bPublic) },
            KeyType.Aes, 32, AttributeSet.Empty);
        var rawPoint = new AsnReader(PointOf(aPublic), AsnEncodingRules.DER).ReadOctetString();
        var fromB = await W.Derivation.DeriveAsync(W.Alice, bPrivate, MechanismId.Ecdh1Derive, new DeriveParameters { PublicData = rawPoint },
            KeyType.Aes, 32, AttributeSet.Empty);

        Assert.Equal(W.Key(fromA).Kcv, W.Key(fromB).Kcv);
        var sealedData = W.Crypto.Encrypt(W.Alice, fromA, MechanismId.AesGcm, Gcm, "agreed"u8);
        Assert.Equal("agreed"u8.ToArray(), W.Crypto.Decrypt(W.Alice, fromB, MechanismId.AesGcm, Gcm with { Iv = sealedData.Iv }, sealedData.Output));
        var derived = W.Key(fromA);
        Assert.Equal((ulong)MechanismId.Ecdh1Derive, derived.Attributes.Number(AttributeId.KeyGenMechanism));
        Assert.Equal(false, derived.Attributes.Bool(AttributeId.Local));
    }

    [Theory]
    [InlineData(P256, 32)]
    [InlineData("1.3.132.0.34", 24)]
    public async Task Ecdh_WithADotNetPeer_GivesTheLeadingBytesOfTheSharedX(string curveOid, int length)
    {
        var (hsmPrivate, hsmPublic) = await EcdhPairAsync(curveOid);
        using var peer = ECDiffieHellman.Create(ECCurve.CreateFromValue(curveOid));
        using var hsmSide = ECDiffieHellman.Create();
        hsmSide.ImportSubjectPublicKeyInfo(PemBody(W.Keys.ExportPublicKey(W.Alice, hsmPublic)), out _);

        var handle = await W.Derivation.DeriveAsync(W.Alice, hsmPrivate, MechanismId.Ecdh1Derive,
            new DeriveParameters { PublicData = peer.PublicKey.ExportSubjectPublicKeyInfo() }, KeyType.Aes, length, Readable);

        var expected = peer.DeriveRawSecretAgreement(hsmSide.PublicKey)[..length];
        Assert.Equal(expected, W.Keys.GetAttribute(W.Alice, handle, AttributeId.Value));
        Assert.Equal(KeyGeneration.SecretAttributes(KeyType.Aes, expected).Raw(AttributeId.Kcv), W.Key(handle).Kcv);
    }

    [Fact]
    public async Task Ecdh_RefusesPeersOffTheCurve_AndLengthsTheSecretDoesNotHave()
    {
        var (hsmPrivate, _) = await EcdhPairAsync();
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        using var p256 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var notOnCurve = new byte[65];
        notOnCurve[0] = 0x04;
        notOnCurve[64] = 1;

        await W.AssertRefusedAsync(HsmError.RET_MECHANISM_PARAM_INVALID, () => W.Derivation.DeriveAsync(W.Alice, hsmPrivate, MechanismId.Ecdh1Derive,
            new DeriveParameters { PublicData = p384.PublicKey.ExportSubjectPublicKeyInfo() }, KeyType.Aes, 32, AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_MECHANISM_PARAM_INVALID, () => W.Derivation.DeriveAsync(W.Alice, hsmPrivate, MechanismId.Ecdh1Derive,
            new DeriveParameters { PublicData = notOnCurve }, KeyType.Aes, 32, AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_MECHANISM_PARAM_INVALID, () => W.Derivation.DeriveAsync(W.Alice, hsmPrivate, MechanismId.Ecdh1Derive,
            new DeriveParameters(), KeyType.Aes, 32, AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_SIZE_RANGE, () => W.Derivation.DeriveAsync(W.Alice, hsmPrivate, MechanismId.Ecdh1Derive,
            new DeriveParameters { PublicData = p256.PublicKey.ExportSubjectPublicKeyInfo() }, KeyType.GenericSecret, 48, AttributeSet.Empty).AsTask());
    }

    [Fact]
    public async Task Ecdh_RunsOnlyOnApprovedCurves()
    {
        var (secp256k1, _) = await EcdhPairAsync("1.3.132.0.10");
        using var peer = ECDiffieHellman.Create(ECCurve.CreateFromValue("1.3.132.0.10"));

        await W.AssertRefusedAsync(HsmError.RET_CURVE_NOT_SUPPORTED, () => W.Derivation.DeriveAsync(W.Alice, secp256k1, MechanismId.Ecdh1Derive,
            new DeriveParameters { PublicData = peer.PublicKey.ExportSubjectPublicKeyInfo() }, KeyType.Aes, 32, AttributeSet.Empty).AsTask());
    }

    [Theory]
    [InlineData(KeyType.Aes, -1)]
    [InlineData(KeyType.GenericSecret, -8)]
    public async Task NegativeLength_IsRefusedAsAKeySize(KeyType type, int length)
    {
        var baseKey = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Derive, true));

        await W.AssertRefusedAsync(HsmError.RET_KEY_SIZE_RANGE, () =>
            W.Derivation.DeriveAsync(W.Alice, baseKey, MechanismId.Sp800108CounterKdf, new DeriveParameters(), type, length, AttributeSet.Empty).AsTask());
    }

    [Theory]
    [InlineData(MechanismId.Sha256Hmac, KeyType.Aes, 32)]
    [InlineData(MechanismId.Sha384Hmac, KeyType.Aes, 16)]
    [InlineData(MechanismId.Sha512Hmac, KeyType.GenericSecret, 100)]
    public async Task CounterKdf_MatchesDotNetsSp800108(MechanismId prf, KeyType type, int length)
    {
        var baseValue = Convert.FromHexString("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
        var kek = await W.TrustedKekAsync(W.Alice);
        var baseKey = await W.ImportSecretAsync(W.Alice, kek, KeyType.Aes, baseValue, AttributeSet.Empty.With(AttributeId.Derive, true));
        var parameters = new DeriveParameters { Prf = prf, Label = "payments"u8.ToArray(), Context = "tenant 42"u8.ToArray() };

        var handle = await W.Derivation.DeriveAsync(W.Alice, baseKey, MechanismId.Sp800108CounterKdf, parameters, type, length, Readable);

        var hash = prf switch
        {
            MechanismId.Sha256Hmac => HashAlgorithmName.SHA256,
            MechanismId.Sha384Hmac => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };
        var expected = SP800108HmacCounterKdf.DeriveBytes(baseValue, hash, "payments"u8, "tenant 42"u8, length);
        Assert.Equal(expected, W.Keys.GetAttribute(W.Alice, handle, AttributeId.Value));
        Assert.Equal(KeyGeneration.SecretAttributes(type, expected).Raw(AttributeId.Kcv), W.Key(handle).Kcv);
        Assert.Equal((ulong)length, W.Key(handle).Attributes.Number(AttributeId.ValueLen));
    }

    [Fact]
    public async Task CounterKdf_OfASensitiveBase_MatchesByKcvAndCipher()
    {
        var baseValue = RandomNumberGenerator.GetBytes(32);
        var kek = await W.TrustedKekAsync(W.Alice);
        var baseKey = await W.ImportSecretAsync(W.Alice, kek, KeyType.GenericSecret, baseValue, AttributeSet.Empty.With(AttributeId.Derive, true));

        var handle = await W.Derivation.DeriveAsync(W.Alice, baseKey, MechanismId.Sp800108CounterKdf,
            new DeriveParameters { Label = "L"u8.ToArray() }, KeyType.Aes, 32, AttributeSet.Empty);

        var expected = SP800108HmacCounterKdf.DeriveBytes(baseValue, HashAlgorithmName.SHA256, "L"u8, [], 32);
        Assert.Equal(KeyGeneration.SecretAttributes(KeyType.Aes, expected).Raw(AttributeId.Kcv), W.Key(handle).Kcv);
        var sealedData = W.Crypto.Encrypt(W.Alice, handle, MechanismId.AesGcm, Gcm, "from the HSM"u8);
        using var gcm = new AesGcm(expected, 16);
        var plaintext = new byte[sealedData.Output.Length - 16];
        gcm.Decrypt(sealedData.Iv, sealedData.Output.AsSpan(0, plaintext.Length), sealedData.Output.AsSpan(plaintext.Length), plaintext, "derived"u8);
        Assert.Equal("from the HSM"u8.ToArray(), plaintext);
        Assert.Equal(HsmError.RET_ATTRIBUTE_SENSITIVE, Assert.Throws<HsmException>(() => W.Keys.GetAttribute(W.Alice, handle, AttributeId.Value)).Error);
    }

    [Fact]
    public async Task BaseKeyWithoutDerive_IsRefused_AndMakesNoKey()
    {
        var aes = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Encrypt, true));
        var (ecSignOnly, _) = await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, P256, AttributeSet.Empty.With(AttributeId.Sign, true), AttributeSet.Empty);
        var (_, peer) = await EcdhPairAsync();

        await W.AssertRefusedAsync(HsmError.RET_KEY_FUNCTION_NOT_PERMITTED, () =>
            W.Derivation.DeriveAsync(W.Alice, aes, MechanismId.Sp800108CounterKdf, new DeriveParameters(), KeyType.Aes, 32, AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_FUNCTION_NOT_PERMITTED, () => W.Derivation.DeriveAsync(W.Alice, ecSignOnly, MechanismId.Ecdh1Derive,
            new DeriveParameters { PublicData = PointOf(peer) }, KeyType.Aes, 32, AttributeSet.Empty).AsTask());
    }

    [Fact]
    public async Task WrongMechanismOrBaseType_IsRefused()
    {
        var aes = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Derive, true));
        var (ecPrivate, ecPublic) = await EcdhPairAsync();

        await W.AssertRefusedAsync(HsmError.RET_MECHANISM_INVALID, () =>
            W.Derivation.DeriveAsync(W.Alice, aes, MechanismId.AesGcm, new DeriveParameters(), KeyType.Aes, 32, AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_TYPE_INCONSISTENT, () => W.Derivation.DeriveAsync(W.Alice, aes, MechanismId.Ecdh1Derive,
            new DeriveParameters { PublicData = PointOf(ecPublic) }, KeyType.Aes, 32, AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_TYPE_INCONSISTENT, () =>
            W.Derivation.DeriveAsync(W.Alice, ecPrivate, MechanismId.Sp800108CounterKdf, new DeriveParameters(), KeyType.Aes, 32, AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_MECHANISM_PARAM_INVALID, () =>
            W.Derivation.DeriveAsync(W.Alice, aes, MechanismId.Sp800108CounterKdf, new DeriveParameters { Prf = MechanismId.Sha1 }, KeyType.Aes, 32, AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_SIZE_RANGE, () =>
            W.Derivation.DeriveAsync(W.Alice, aes, MechanismId.Sp800108CounterKdf, new DeriveParameters(), KeyType.Aes, 20, AttributeSet.Empty).AsTask());
    }

    [Fact]
    public async Task DerivedKey_IsNeverExtractable_OnlyIfItsBaseAlwaysWas()
    {
        var derive = AttributeSet.Empty.With(AttributeId.Derive, true).With(AttributeId.Extractable, false);
        var generatedBase = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, derive);
        var kek = await W.TrustedKekAsync(W.Alice);
        var importedBase = await W.ImportSecretAsync(W.Alice, kek, KeyType.Aes, RandomNumberGenerator.GetBytes(32), derive);
        var nonExtractable = AttributeSet.Empty.With(AttributeId.Extractable, false);
        Assert.Equal((true, true), History(generatedBase));
        Assert.Equal((false, false), History(importedBase));

        var fromGenerated = await DeriveAsync(generatedBase, nonExtractable);
        var fromGeneratedExtractable = await DeriveAsync(generatedBase, AttributeSet.Empty);
        var fromImported = await DeriveAsync(importedBase, nonExtractable);

        Assert.Equal((true, true), History(fromGenerated));
        Assert.Equal((false, true), History(fromGeneratedExtractable));
        Assert.Equal((false, false), History(fromImported));
        Assert.Equal((true, false), History(await DeriveAsync(generatedBase, nonExtractable.With(AttributeId.Sensitive, false))));

        async Task<ulong> DeriveAsync(ulong baseKey, AttributeSet template) =>
            await W.Derivation.DeriveAsync(W.Alice, baseKey, MechanismId.Sp800108CounterKdf, new DeriveParameters(), KeyType.Aes, 32, template);

        (bool NeverExtractable, bool AlwaysSensitive) History(ulong handle) =>
            (W.Key(handle).Attributes.IsTrue(AttributeId.NeverExtractable), W.Key(handle).Attributes.IsTrue(AttributeId.AlwaysSensitive));
    }

    [Fact]
    public async Task RestrictedUser_DerivesNothing_AndASharedBaseDerivesForItsUser()
    {
        var baseKey = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Derive, true));
        await W.Keys.ShareAsync(W.Alice, baseKey, "bob", true);
        try
        {
            await W.Partition.Service.SetUserAttributesAsync(W.Officer, "bob", UserRestrictions.NoDerive);
            await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () =>
                W.Derivation.DeriveAsync(W.Bob, baseKey, MechanismId.Sp800108CounterKdf, new DeriveParameters(), KeyType.Aes, 32, AttributeSet.Empty).AsTask());
        }
        finally
        {
            await W.Partition.Service.SetUserAttributesAsync(W.Officer, "bob", UserRestrictions.None);
        }
        var derived = await W.Derivation.DeriveAsync(W.Bob, baseKey, MechanismId.Sp800108CounterKdf, new DeriveParameters(), KeyType.Aes, 32, AttributeSet.Empty);
        Assert.Equal("bob", W.Key(derived).Owner);
    }

    private static byte[] PemBody(string pem) =>
        PemEncoding.TryFind(pem, out var fields) ? Convert.FromBase64String(pem[fields.Base64Data]) : throw new InvalidOperationException("no PEM");
}
