using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Keys;

/// <summary>Alice's wrapping keys and the keys she wraps, made once for the class (RSA generation is slow).</summary>
public sealed class WrapFixture : KeyWorldFixture
{
    internal ulong Kek { get; private set; }
    internal ulong RsaWrapPrivate { get; private set; }
    internal ulong RsaWrapPublic { get; private set; }
    internal Dictionary<string, (ulong Key, ulong Public)> Targets { get; } = [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var w = World;
        Kek = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Wrap, true).With(AttributeId.Unwrap, true));
        (RsaWrapPrivate, RsaWrapPublic) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Rsa, "2048", AttributeSet.Empty, AttributeSet.Empty);
        Targets["aes"] = (await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty), 0);
        Targets["rsa"] = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Rsa, "2048", AttributeSet.Empty, AttributeSet.Empty);
        Targets["ec"] = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Ec, "1.2.840.10045.3.1.7", AttributeSet.Empty, AttributeSet.Empty);
        Targets["ed25519"] = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.EcEdwards, "", AttributeSet.Empty, AttributeSet.Empty);
    }
}

/// <summary>wrapKey / unWrapKey: every mechanism both ways, the rules of a key leaving, and blobs that do not open.</summary>
public sealed class WrapUnwrapTests(WrapFixture fixture) : IClassFixture<WrapFixture>
{
    private static readonly CipherParameters Gcm = new() { AssociatedData = "wrap tests"u8.ToArray() };

    private KeyWorld W => fixture.World;

    /// <summary>Mechanism, OAEP hash, key wrapped: every pair where the mechanism carries the key's size.</summary>
    public static TheoryData<MechanismId, MechanismId, string> RoundTrips { get; } = new()
    {
        { MechanismId.AesKeyWrap, MechanismId.Sha1, "aes" },
        { MechanismId.AesKeyWrap, MechanismId.Sha1, "ed25519" },
        { MechanismId.AesKeyWrapPad, MechanismId.Sha1, "aes" },
        { MechanismId.AesKeyWrapPad, MechanismId.Sha1, "rsa" },
        { MechanismId.AesKeyWrapPad, MechanismId.Sha1, "ec" },
        { MechanismId.AesKeyWrapPad, MechanismId.Sha1, "ed25519" },
        { MechanismId.AesGcm, MechanismId.Sha1, "aes" },
        { MechanismId.AesGcm, MechanismId.Sha1, "rsa" },
        { MechanismId.AesGcm, MechanismId.Sha1, "ec" },
        { MechanismId.AesGcm, MechanismId.Sha1, "ed25519" },
        { MechanismId.RsaPkcsOaep, MechanismId.Sha1, "aes" },
        { MechanismId.RsaPkcsOaep, MechanismId.Sha1, "ec" },
        { MechanismId.RsaPkcsOaep, MechanismId.Sha1, "ed25519" },
        { MechanismId.RsaPkcsOaep, MechanismId.Sha256, "aes" },
        { MechanismId.RsaPkcsOaep, MechanismId.Sha256, "ec" },
        { MechanismId.RsaPkcsOaep, MechanismId.Sha256, "ed25519" },
        { MechanismId.RsaAesKeyWrap, MechanismId.Sha1, "aes" },
        { MechanismId.RsaAesKeyWrap, MechanismId.Sha1, "rsa" },
        { MechanismId.RsaAesKeyWrap, MechanismId.Sha1, "ec" },
        { MechanismId.RsaAesKeyWrap, MechanismId.Sha1, "ed25519" },
        { MechanismId.RsaAesKeyWrap, MechanismId.Sha256, "aes" },
        { MechanismId.RsaAesKeyWrap, MechanismId.Sha256, "rsa" },
        { MechanismId.RsaAesKeyWrap, MechanismId.Sha256, "ec" },
        { MechanismId.RsaAesKeyWrap, MechanismId.Sha256, "ed25519" },
    };

    public static TheoryData<MechanismId> AllWrapMechanisms { get; } = new(KeyWrapMechanisms.All);

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public async Task WrappedKey_UnwrapsIntoAWorkingImportedKey(MechanismId mechanism, MechanismId oaepHash, string target)
    {
        var parameters = Parameters(mechanism, oaepHash);
        var (wrapping, unwrapping) = WrappingPair(mechanism);
        var (original, originalPublic) = fixture.Targets[target];
        var originalKey = W.Key(original);

        var wrapped = W.Transfer.Wrap(W.Alice, original, wrapping, mechanism, parameters);
        var keys = W.KeyCount;
        var handle = await W.Transfer.UnwrapAsync(W.Alice, unwrapping, mechanism, parameters, wrapped, Incoming(originalKey, AttributeSet.Empty));

        Assert.Equal(keys + 1, W.KeyCount);
        var unwrapped = W.Key(handle);
        Assert.Equal(("alice", originalKey.Class, originalKey.KeyType), (unwrapped.Owner, unwrapped.Class, unwrapped.KeyType));
        Assert.Equal(false, unwrapped.Attributes.Bool(AttributeId.Local));
        Assert.Equal(false, unwrapped.Attributes.Bool(AttributeId.AlwaysSensitive));
        Assert.Equal(false, unwrapped.Attributes.Bool(AttributeId.NeverExtractable));
        var material = W.Partition.Keys.Secrets.Unseal(originalKey.SealedMaterial, SealPurpose.KeyMaterial);
        Assert.True(wrapped.AsSpan().IndexOf(material) < 0, "the wrapped form holds the key in clear");
        if (target == "aes")
        {
            Assert.Equal(originalKey.Kcv, unwrapped.Kcv);
            var sealedData = W.Crypto.Encrypt(W.Alice, original, MechanismId.AesGcm, Gcm, "under the original"u8);
            Assert.Equal("under the original"u8.ToArray(), W.Crypto.Decrypt(W.Alice, handle, MechanismId.AesGcm, Gcm with { Iv = sealedData.Iv }, sealedData.Output));
        }
        else
        {
            var sign = SignMechanism(target);
            var signature = W.Crypto.Sign(W.Alice, handle, sign, "signed by the unwrapped key"u8);
            Assert.True(W.Crypto.Verify(W.Alice, originalPublic, sign, "signed by the unwrapped key"u8, signature));
            var publicPart = target == "rsa" ? AttributeId.Modulus : AttributeId.EcPoint;
            Assert.Equal(originalKey.Attributes.Raw(publicPart), unwrapped.Attributes.Raw(publicPart));
        }
    }

    [Theory]
    [InlineData(128)]
    [InlineData(192)]
    public async Task RsaAesKeyWrap_TakesEachTemporaryKeySize(int bits)
    {
        var parameters = new WrapParameters { AesKeyBits = bits, OaepHash = MechanismId.Sha256 };
        var (key, _) = fixture.Targets["ec"];

        var wrapped = W.Transfer.Wrap(W.Alice, key, fixture.RsaWrapPublic, MechanismId.RsaAesKeyWrap, parameters);
        var handle = await W.Transfer.UnwrapAsync(W.Alice, fixture.RsaWrapPrivate, MechanismId.RsaAesKeyWrap, parameters, wrapped,
            new IncomingKey(ObjectClass.PrivateKey, KeyType.Ec, AttributeSet.Empty));

        Assert.Equal(W.Key(key).Attributes.Raw(AttributeId.EcPoint), W.Key(handle).Attributes.Raw(AttributeId.EcPoint));
    }

    [Fact]
    public void WrapParametersOutOfRange_AreRefused()
    {
        var aes = fixture.Targets["aes"].Key;

        W.AssertRefused(HsmError.RET_MECHANISM_PARAM_INVALID, () =>
            W.Transfer.Wrap(W.Alice, aes, fixture.RsaWrapPublic, MechanismId.RsaAesKeyWrap, new WrapParameters { AesKeyBits = 100 }));
        W.AssertRefused(HsmError.RET_MECHANISM_PARAM_INVALID, () =>
            W.Transfer.Wrap(W.Alice, aes, fixture.RsaWrapPublic, MechanismId.RsaPkcsOaep, new WrapParameters { OaepHash = MechanismId.Sha224 }));
        W.AssertRefused(HsmError.RET_MECHANISM_PARAM_INVALID, () =>
            W.Transfer.Wrap(W.Alice, aes, fixture.RsaWrapPublic, MechanismId.RsaAesKeyWrap, new WrapParameters { OaepHash = MechanismId.Sha256Hmac }));
    }

    [Fact]
    public async Task UnwrapTemplate_IsApplied_AndHistoryStaysImported()
    {
        var wrapped = W.Transfer.Wrap(W.Alice, fixture.Targets["aes"].Key, fixture.Kek, MechanismId.AesKeyWrapPad, WrapParameters.Default);

        var handle = await W.Transfer.UnwrapAsync(W.Alice, fixture.Kek, MechanismId.AesKeyWrapPad, WrapParameters.Default, wrapped,
            new IncomingKey(ObjectClass.SecretKey, KeyType.Aes, AttributeSet.Empty.With(AttributeId.Label, "unwrapped")
                .With(AttributeId.Extractable, false).With(AttributeId.Decrypt, true)));

        var key = W.Key(handle);
        Assert.Equal("unwrapped", key.Label);
        Assert.Equal((false, true, false), (key.Attributes.IsTrue(AttributeId.Extractable), key.Attributes.IsTrue(AttributeId.Sensitive), key.Attributes.IsTrue(AttributeId.Encrypt)));
        Assert.Equal(false, key.Attributes.Bool(AttributeId.NeverExtractable));
        Assert.Equal(false, key.Attributes.Bool(AttributeId.AlwaysSensitive));
        W.AssertRefused(HsmError.RET_KEY_UNEXTRACTABLE, () => W.Transfer.Wrap(W.Alice, handle, fixture.Kek, MechanismId.AesKeyWrapPad, WrapParameters.Default));
    }

    // (an RSA PKCS#8 is 1216 to 1219 bytes, sometimes a multiple of 8: only EC's fixed 138 bytes is sure to be refused by RFC 3394)
    [Theory]
    [InlineData(MechanismId.AesKeyWrap, MechanismId.Sha1, "ec")]
    [InlineData(MechanismId.RsaPkcsOaep, MechanismId.Sha1, "rsa")]
    [InlineData(MechanismId.RsaPkcsOaep, MechanismId.Sha256, "rsa")]
    public void KeyTheMechanismCannotCarry_IsRefused(MechanismId mechanism, MechanismId oaepHash, string target)
    {
        W.AssertRefused(HsmError.RET_DATA_LEN_RANGE, () =>
            W.Transfer.Wrap(W.Alice, fixture.Targets[target].Key, WrappingPair(mechanism).Wrapping, mechanism, Parameters(mechanism, oaepHash)));
    }

    [Fact]
    public async Task NonExtractableKey_IsNeverWrapped()
    {
        var handle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Extractable, false));

        foreach (var mechanism in KeyWrapMechanisms.All)
        {
            W.AssertRefused(HsmError.RET_KEY_UNEXTRACTABLE, () => W.Transfer.Wrap(W.Alice, handle, WrappingPair(mechanism).Wrapping, mechanism, Parameters(mechanism, MechanismId.Sha1)));
        }
        // EXTRACTABLE goes from 1 to 0 only
        var extractable = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        await W.Keys.SetAttributeAsync(W.Alice, extractable, AttributeId.Extractable, [0]);
        W.AssertRefused(HsmError.RET_KEY_UNEXTRACTABLE, () => W.Transfer.Wrap(W.Alice, extractable, fixture.Kek, MechanismId.AesKeyWrap, WrapParameters.Default));
        await W.AssertRefusedAsync(HsmError.RET_ATTRIBUTE_READ_ONLY, () => W.Keys.SetAttributeAsync(W.Alice, extractable, AttributeId.Extractable, [1]).AsTask());
    }

    [Fact]
    public async Task WrapWithTrustedKey_NeedsATrustedWrappingKey_WhichOnlyAnOfficerMarks()
    {
        var key = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.WrapWithTrusted, true));
        var kek = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Wrap, true).With(AttributeId.Unwrap, true));

        W.AssertRefused(HsmError.RET_WRAPPING_KEY_NOT_TRUSTED, () => W.Transfer.Wrap(W.Alice, key, kek, MechanismId.AesKeyWrap, WrapParameters.Default));
        W.AssertRefused(HsmError.RET_WRAPPING_KEY_NOT_TRUSTED, () => W.Transfer.Wrap(W.Alice, key, fixture.RsaWrapPublic, MechanismId.RsaAesKeyWrap, WrapParameters.Default));
        await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Keys.SetAttributeAsync(W.Alice, kek, AttributeId.Trusted, [1]).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_ATTRIBUTE_READ_ONLY, () => W.Keys.SetAttributeAsync(W.Alice, key, AttributeId.WrapWithTrusted, [0]).AsTask());
        Assert.False(W.Key(kek).Attributes.IsTrue(AttributeId.Trusted));

        await W.Keys.SetAttributeAsync(W.Officer, kek, AttributeId.Trusted, [1]);
        var wrapped = W.Transfer.Wrap(W.Alice, key, kek, MechanismId.AesKeyWrap, WrapParameters.Default);

        var unwrapped = await W.Transfer.UnwrapAsync(W.Alice, kek, MechanismId.AesKeyWrap, WrapParameters.Default, wrapped,
            new IncomingKey(ObjectClass.SecretKey, KeyType.Aes, AttributeSet.Empty));
        Assert.Equal(W.Key(key).Kcv, W.Key(unwrapped).Kcv);

        // the officer takes the trust back: the key cannot leave under it any more
        await W.Keys.SetAttributeAsync(W.Officer, kek, AttributeId.Trusted, [0]);
        W.AssertRefused(HsmError.RET_WRAPPING_KEY_NOT_TRUSTED, () => W.Transfer.Wrap(W.Alice, key, kek, MechanismId.AesKeyWrap, WrapParameters.Default));
    }

    [Fact]
    public async Task WrappingKeyWithoutWrap_IsRefused_AndUnwrappingKeyWithoutUnwrap()
    {
        var encryptOnly = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Encrypt, true).With(AttributeId.Decrypt, true));
        var key = fixture.Targets["aes"].Key;

        W.AssertRefused(HsmError.RET_KEY_FUNCTION_NOT_PERMITTED, () => W.Transfer.Wrap(W.Alice, key, encryptOnly, MechanismId.AesKeyWrap, WrapParameters.Default));

        var wrapped = W.Transfer.Wrap(W.Alice, key, fixture.Kek, MechanismId.AesKeyWrap, WrapParameters.Default);
        await W.AssertRefusedAsync(HsmError.RET_KEY_FUNCTION_NOT_PERMITTED, () => W.Transfer.UnwrapAsync(W.Alice, encryptOnly, MechanismId.AesKeyWrap,
            WrapParameters.Default, wrapped, new IncomingKey(ObjectClass.SecretKey, KeyType.Aes, AttributeSet.Empty)).AsTask());
    }

    [Fact]
    public async Task AKeyDoesNotWrapItself()
    {
        var key = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Wrap, true));

        W.AssertRefused(HsmError.RET_KEY_FUNCTION_NOT_PERMITTED, () => W.Transfer.Wrap(W.Alice, key, key, MechanismId.AesKeyWrap, WrapParameters.Default));
    }

    [Fact]
    public async Task SharedKey_IsWrappedOnlyByItsOwner()
    {
        var key = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        await W.Keys.ShareAsync(W.Alice, key, "bob", true);
        var bobsKek = await W.Keys.GenerateSymmetricAsync(W.Bob, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Wrap, true));

        W.AssertRefused(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Transfer.Wrap(W.Bob, key, bobsKek, MechanismId.AesKeyWrap, WrapParameters.Default));
        // a key Bob cannot see at all is "not found"
        W.AssertRefused(HsmError.RET_KEY_NOT_FOUND, () => W.Transfer.Wrap(W.Bob, fixture.Targets["aes"].Key, bobsKek, MechanismId.AesKeyWrap, WrapParameters.Default));
        // an officer wraps nothing
        W.AssertRefused(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Transfer.Wrap(W.Officer, key, fixture.Kek, MechanismId.AesKeyWrap, WrapParameters.Default));
    }

    [Fact]
    public async Task RestrictedUser_CannotWrap_OrUnwrap()
    {
        var bobsKey = await W.Keys.GenerateSymmetricAsync(W.Bob, KeyType.Aes, 32, AttributeSet.Empty);
        var bobsKek = await W.Keys.GenerateSymmetricAsync(W.Bob, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Wrap, true).With(AttributeId.Unwrap, true));
        var wrapped = W.Transfer.Wrap(W.Bob, bobsKey, bobsKek, MechanismId.AesKeyWrapPad, WrapParameters.Default);
        var incoming = new IncomingKey(ObjectClass.SecretKey, KeyType.Aes, AttributeSet.Empty);
        try
        {
            await W.Partition.Service.SetUserAttributesAsync(W.Officer, "bob", UserRestrictions.NoExport);
            W.AssertRefused(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Transfer.Wrap(W.Bob, bobsKey, bobsKek, MechanismId.AesKeyWrapPad, WrapParameters.Default));
            // no export is not no unwrap
            await W.Transfer.UnwrapAsync(W.Bob, bobsKek, MechanismId.AesKeyWrapPad, WrapParameters.Default, wrapped, incoming);

            await W.Partition.Service.SetUserAttributesAsync(W.Officer, "bob", UserRestrictions.NoUnwrap);
            await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () =>
                W.Transfer.UnwrapAsync(W.Bob, bobsKek, MechanismId.AesKeyWrapPad, WrapParameters.Default, wrapped, incoming).AsTask());
            Assert.NotEmpty(W.Transfer.Wrap(W.Bob, bobsKey, bobsKek, MechanismId.AesKeyWrapPad, WrapParameters.Default));
        }
        finally
        {
            await W.Partition.Service.SetUserAttributesAsync(W.Officer, "bob", UserRestrictions.None);
        }
    }

    [Theory]
    [MemberData(nameof(AllWrapMechanisms))]
    public async Task AlteredWrappedKey_IsRefused_AndMakesNoKey(MechanismId mechanism)
    {
        var parameters = Parameters(mechanism, MechanismId.Sha256);
        var (wrapping, unwrapping) = WrappingPair(mechanism);
        var wrapped = W.Transfer.Wrap(W.Alice, fixture.Targets["aes"].Key, wrapping, mechanism, parameters);
        var incoming = new IncomingKey(ObjectClass.SecretKey, KeyType.Aes, AttributeSet.Empty);

        foreach (var position in new[] { 0, wrapped.Length / 2, wrapped.Length - 1 })
        {
            var altered = wrapped.ToArray();
            altered[position] ^= 0x01;
            await W.AssertRefusedAsync(HsmError.RET_WRAPPED_KEY_INVALID, () =>
                W.Transfer.UnwrapAsync(W.Alice, unwrapping, mechanism, parameters, altered, incoming).AsTask());
        }
        await W.AssertRefusedAsync(HsmError.RET_WRAPPED_KEY_INVALID, () =>
            W.Transfer.UnwrapAsync(W.Alice, unwrapping, mechanism, parameters, wrapped.AsMemory(0, wrapped.Length - 8), incoming).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_DATA_LEN_RANGE, () =>
            W.Transfer.UnwrapAsync(W.Alice, unwrapping, mechanism, parameters, ReadOnlyMemory<byte>.Empty, incoming).AsTask());
        if (KeyWrapMechanisms.UsesRsa(mechanism))
        {
            await W.AssertRefusedAsync(HsmError.RET_WRAPPED_KEY_INVALID, () =>
                W.Transfer.UnwrapAsync(W.Alice, unwrapping, mechanism, parameters with { OaepHash = MechanismId.Sha1 }, wrapped, incoming).AsTask());
        }
        else
        {
            var otherKek = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Unwrap, true));
            await W.AssertRefusedAsync(HsmError.RET_WRAPPED_KEY_INVALID, () =>
                W.Transfer.UnwrapAsync(W.Alice, otherKek, mechanism, parameters, wrapped, incoming).AsTask());
        }
        // the genuine blob still opens
        await W.Transfer.UnwrapAsync(W.Alice, unwrapping, mechanism, parameters, wrapped, incoming);
    }

    [Fact]
    public async Task AesGcmWrappedKey_IsBoundToItsAssociatedData()
    {
        var parameters = new WrapParameters { AssociatedData = "bound to this"u8.ToArray() };
        var wrapped = W.Transfer.Wrap(W.Alice, fixture.Targets["aes"].Key, fixture.Kek, MechanismId.AesGcm, parameters);

        await W.AssertRefusedAsync(HsmError.RET_WRAPPED_KEY_INVALID, () => W.Transfer.UnwrapAsync(W.Alice, fixture.Kek, MechanismId.AesGcm,
            parameters with { AssociatedData = "bound to that"u8.ToArray() }, wrapped, new IncomingKey(ObjectClass.SecretKey, KeyType.Aes, AttributeSet.Empty)).AsTask());
    }

    [Fact]
    public async Task UnwrappedBytesThatAreNotTheDeclaredKey_AreRefused()
    {
        var wrappedAes = W.Transfer.Wrap(W.Alice, fixture.Targets["aes"].Key, fixture.Kek, MechanismId.AesKeyWrapPad, WrapParameters.Default);
        var wrappedEd = W.Transfer.Wrap(W.Alice, fixture.Targets["ed25519"].Key, fixture.Kek, MechanismId.AesKeyWrapPad, WrapParameters.Default);

        await W.AssertRefusedAsync(HsmError.RET_WRAPPED_KEY_INVALID, () => W.Transfer.UnwrapAsync(W.Alice, fixture.Kek, MechanismId.AesKeyWrapPad,
            WrapParameters.Default, wrappedAes, new IncomingKey(ObjectClass.PrivateKey, KeyType.Rsa, AttributeSet.Empty)).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_SIZE_RANGE, () => W.Transfer.UnwrapAsync(W.Alice, fixture.Kek, MechanismId.AesKeyWrapPad,
            WrapParameters.Default, wrappedEd, new IncomingKey(ObjectClass.SecretKey, KeyType.Aes, AttributeSet.Empty)).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_TYPE_INCONSISTENT, () => W.Transfer.UnwrapAsync(W.Alice, fixture.Kek, MechanismId.AesKeyWrapPad,
            WrapParameters.Default, wrappedAes, new IncomingKey(ObjectClass.PublicKey, KeyType.Aes, AttributeSet.Empty)).AsTask());
    }

    [Theory]
    [InlineData(MechanismId.AesCbcPad)]
    [InlineData(MechanismId.Sha256RsaPkcs)]
    [InlineData((MechanismId)0x7777)]
    public async Task MechanismThatDoesNotWrap_IsRefused(MechanismId mechanism)
    {
        W.AssertRefused(HsmError.RET_MECHANISM_INVALID, () => W.Transfer.Wrap(W.Alice, fixture.Targets["aes"].Key, fixture.Kek, mechanism, WrapParameters.Default));
        var wrapped = W.Transfer.Wrap(W.Alice, fixture.Targets["aes"].Key, fixture.Kek, MechanismId.AesKeyWrap, WrapParameters.Default);
        await W.AssertRefusedAsync(HsmError.RET_MECHANISM_INVALID, () => W.Transfer.UnwrapAsync(W.Alice, fixture.Kek, mechanism, WrapParameters.Default,
            wrapped, new IncomingKey(ObjectClass.SecretKey, KeyType.Aes, AttributeSet.Empty)).AsTask());
    }

    [Fact]
    public async Task WrappingKeyOfTheWrongTypeForTheMechanism_IsRefused()
    {
        var aes = fixture.Targets["aes"].Key;
        var incoming = new IncomingKey(ObjectClass.SecretKey, KeyType.Aes, AttributeSet.Empty);
        var aesWrapped = W.Transfer.Wrap(W.Alice, aes, fixture.Kek, MechanismId.AesKeyWrap, WrapParameters.Default);
        var rsaWrapped = W.Transfer.Wrap(W.Alice, aes, fixture.RsaWrapPublic, MechanismId.RsaPkcsOaep, WrapParameters.Default);

        // AES mechanisms with an RSA key, RSA mechanisms with an AES key
        W.AssertRefused(HsmError.RET_KEY_TYPE_INCONSISTENT, () => W.Transfer.Wrap(W.Alice, aes, fixture.RsaWrapPublic, MechanismId.AesKeyWrap, WrapParameters.Default));
        W.AssertRefused(HsmError.RET_KEY_TYPE_INCONSISTENT, () => W.Transfer.Wrap(W.Alice, aes, fixture.Kek, MechanismId.RsaPkcsOaep, WrapParameters.Default));
        W.AssertRefused(HsmError.RET_KEY_TYPE_INCONSISTENT, () => W.Transfer.Wrap(W.Alice, aes, fixture.Kek, MechanismId.RsaAesKeyWrap, WrapParameters.Default));
        await W.AssertRefusedAsync(HsmError.RET_KEY_TYPE_INCONSISTENT, () =>
            W.Transfer.UnwrapAsync(W.Alice, fixture.RsaWrapPrivate, MechanismId.AesKeyWrap, WrapParameters.Default, aesWrapped, incoming).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_TYPE_INCONSISTENT, () =>
            W.Transfer.UnwrapAsync(W.Alice, fixture.Kek, MechanismId.RsaPkcsOaep, WrapParameters.Default, rsaWrapped, incoming).AsTask());
        // the RSA halves the wrong way round: a private key does not wrap, a public key does not unwrap
        W.AssertRefused(HsmError.RET_KEY_TYPE_INCONSISTENT, () => W.Transfer.Wrap(W.Alice, aes, fixture.RsaWrapPrivate, MechanismId.RsaPkcsOaep, WrapParameters.Default));
        await W.AssertRefusedAsync(HsmError.RET_KEY_TYPE_INCONSISTENT, () =>
            W.Transfer.UnwrapAsync(W.Alice, fixture.RsaWrapPublic, MechanismId.RsaPkcsOaep, WrapParameters.Default, rsaWrapped, incoming).AsTask());
        // a public key is not wrapped: it is exported as it is
        W.AssertRefused(HsmError.RET_KEY_TYPE_INCONSISTENT, () =>
            W.Transfer.Wrap(W.Alice, fixture.Targets["ec"].Public, fixture.Kek, MechanismId.AesKeyWrapPad, WrapParameters.Default));
    }

    [Fact]
    public async Task AesKeyWrap_OfAKnownKey_MatchesRfc3394Section4_6()
    {
        var trustedKek = await W.TrustedKekAsync(W.Alice);
        var rfcKek = await W.ImportSecretAsync(W.Alice, trustedKek, KeyType.Aes, Convert.FromHexString("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"),
            AttributeSet.Empty.With(AttributeId.Wrap, true).With(AttributeId.Unwrap, true));
        var keyData = Convert.FromHexString("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
        var key = await W.ImportSecretAsync(W.Alice, trustedKek, KeyType.Aes, keyData);

        var wrapped = W.Transfer.Wrap(W.Alice, key, rfcKek, MechanismId.AesKeyWrap, WrapParameters.Default);

        Assert.Equal("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21", Convert.ToHexString(wrapped));
        var unwrapped = await W.Transfer.UnwrapAsync(W.Alice, rfcKek, MechanismId.AesKeyWrap, WrapParameters.Default, wrapped,
            new IncomingKey(ObjectClass.SecretKey, KeyType.Aes, AttributeSet.Empty));
        Assert.Equal(KeyGeneration.SecretAttributes(KeyType.Aes, keyData).Raw(AttributeId.Kcv), W.Key(unwrapped).Kcv);
    }

    [Fact]
    public async Task AesKeyWrapPad_OfAKnownGenericSecret_MatchesRfc5649Section6()
    {
        var trustedKek = await W.TrustedKekAsync(W.Alice);
        var rfcKek = await W.ImportSecretAsync(W.Alice, trustedKek, KeyType.Aes, Convert.FromHexString("5840DF6E29B02AF1AB493B705BF16EA1AE8338F4DCC176A8"),
            AttributeSet.Empty.With(AttributeId.Wrap, true));
        var key = await W.ImportSecretAsync(W.Alice, trustedKek, KeyType.GenericSecret, Convert.FromHexString("C37B7E6492584340BED12207808941155068F738"));

        var wrapped = W.Transfer.Wrap(W.Alice, key, rfcKek, MechanismId.AesKeyWrapPad, WrapParameters.Default);

        Assert.Equal("138BDEAA9B8FA7FC61F97742E72248EE5AE6AE5360D1AE6A5F54F373FA543B6A", Convert.ToHexString(wrapped));
    }

    [Theory]
    [InlineData(MechanismId.Sha1)]
    [InlineData(MechanismId.Sha256)]
    public async Task RsaOaepWrappedKey_OpensWithDotNet(MechanismId oaepHash)
    {
        var trustedKek = await W.TrustedKekAsync(W.Alice);
        var value = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var key = await W.ImportSecretAsync(W.Alice, trustedKek, KeyType.Aes, value);
        var wrapped = W.Transfer.Wrap(W.Alice, key, fixture.RsaWrapPublic, MechanismId.RsaPkcsOaep, new WrapParameters { OaepHash = oaepHash });

        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportPkcs8PrivateKey(W.Partition.Keys.Secrets.Unseal(W.Key(fixture.RsaWrapPrivate).SealedMaterial, SealPurpose.KeyMaterial), out _);
        var padding = oaepHash == MechanismId.Sha1 ? System.Security.Cryptography.RSAEncryptionPadding.OaepSHA1 : System.Security.Cryptography.RSAEncryptionPadding.OaepSHA256;

        Assert.Equal(value, rsa.Decrypt(wrapped, padding));
    }

    private static WrapParameters Parameters(MechanismId mechanism, MechanismId oaepHash) => new()
    {
        OaepHash = oaepHash,
        AssociatedData = mechanism == MechanismId.AesGcm ? "wrapped under GCM"u8.ToArray() : default,
    };

    private (ulong Wrapping, ulong Unwrapping) WrappingPair(MechanismId mechanism) =>
        KeyWrapMechanisms.UsesRsa(mechanism) ? (fixture.RsaWrapPublic, fixture.RsaWrapPrivate) : (fixture.Kek, fixture.Kek);

    private static IncomingKey Incoming(KeyRecord original, AttributeSet template) => new(original.Class, original.KeyType, template);

    private static MechanismId SignMechanism(string target) => target switch
    {
        "rsa" => MechanismId.Sha256RsaPkcs,
        "ec" => MechanismId.EcdsaSha256,
        _ => MechanismId.EdDsa,
    };
}
