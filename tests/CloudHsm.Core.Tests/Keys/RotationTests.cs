using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Tests.Support;

namespace CloudHsm.Core.Tests.Keys;

/// <summary>key rotate / key retire: a successor like the predecessor, and a predecessor that only reads the past.</summary>
public sealed class RotationTests(KeyWorldFixture fixture) : IClassFixture<KeyWorldFixture>
{
    private const string P256 = "1.2.840.10045.3.1.7";
    private static readonly CipherParameters Gcm = new() { AssociatedData = "rotation"u8.ToArray() };

    private KeyWorld W => fixture.World;

    [Fact]
    public async Task RotatedAesKey_HasALikeSuccessor_AndOnlyDecryptsThePast()
    {
        var handle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 24, AttributeSet.Empty
            .With(AttributeId.Label, "payments").With(AttributeId.Id, [1, 2, 3]).With(AttributeId.Sensitive, true));
        var old = W.Crypto.Encrypt(W.Alice, handle, MechanismId.AesGcm, Gcm, "written last year"u8);
        var keys = W.KeyCount;

        var (successor, partner) = await W.Keys.RotateAsync(W.Alice, handle);

        Assert.Null(partner);
        Assert.NotEqual(handle, successor);
        Assert.Equal(keys + 1, W.KeyCount);
        var predecessor = W.Key(handle);
        var next = W.Key(successor);
        Assert.Equal(("payments", 24UL, "alice"), (next.Label, next.Attributes.Number(AttributeId.ValueLen), next.Owner));
        Assert.Equal([1, 2, 3], next.Id);
        Assert.Equal((KeyType.Aes, ObjectClass.SecretKey), (next.KeyType, next.Class));
        Assert.NotEqual(predecessor.Kcv, next.Kcv);
        Assert.Null(next.RetiredAt);
        Assert.Equal(true, next.Attributes.Bool(AttributeId.Local));
        Assert.Equal(W.Partition.Clock.GetUtcNow(), predecessor.RetiredAt);
        Assert.Equal(successor, predecessor.Successor);
        Assert.Equal(false, predecessor.Attributes.Bool(AttributeId.Encrypt));
        Assert.Equal(true, predecessor.Attributes.Bool(AttributeId.Decrypt));

        W.AssertRefused(HsmError.RET_KEY_RETIRED, () => W.Crypto.Encrypt(W.Alice, handle, MechanismId.AesGcm, Gcm, "new data"u8));
        await W.AssertRefusedAsync(HsmError.RET_KEY_RETIRED, () => W.Keys.SetAttributeAsync(W.Alice, handle, AttributeId.Encrypt, [1]).AsTask());
        Assert.Equal("written last year"u8.ToArray(), W.Crypto.Decrypt(W.Alice, handle, MechanismId.AesGcm, Gcm with { Iv = old.Iv }, old.Output));
        var fresh = W.Crypto.Encrypt(W.Alice, successor, MechanismId.AesGcm, Gcm, "written now"u8);
        Assert.Equal("written now"u8.ToArray(), W.Crypto.Decrypt(W.Alice, successor, MechanismId.AesGcm, Gcm with { Iv = fresh.Iv }, fresh.Output));
        Assert.Equal(new[] { handle, successor }.Order(), W.Keys.Find(W.Alice, new KeyQuery { Label = "payments" }).Select(k => k.Handle));
    }

    [Fact]
    public async Task RetiredWrappingKey_StillUnwraps_ButWrapsNothingNew()
    {
        var kek = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Wrap, true).With(AttributeId.Unwrap, true));
        var key = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        var wrapped = W.Transfer.Wrap(W.Alice, key, kek, MechanismId.AesKeyWrap, WrapParameters.Default);

        await W.Keys.RetireAsync(W.Alice, kek);

        W.AssertRefused(HsmError.RET_KEY_RETIRED, () => W.Transfer.Wrap(W.Alice, key, kek, MechanismId.AesKeyWrap, WrapParameters.Default));
        var unwrapped = await W.Transfer.UnwrapAsync(W.Alice, kek, MechanismId.AesKeyWrap, WrapParameters.Default, wrapped,
            new IncomingKey(ObjectClass.SecretKey, KeyType.Aes, AttributeSet.Empty));
        Assert.Equal(W.Key(key).Kcv, W.Key(unwrapped).Kcv);
        Assert.Null(W.Key(kek).Successor);
    }

    [Fact]
    public async Task RotatingAnRsaPrivateKey_RotatesItsPublicPartner()
    {
        var (privateKey, publicKey) = await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Rsa, "2048",
            AttributeSet.Empty.With(AttributeId.Label, "signer"), AttributeSet.Empty.With(AttributeId.Label, "signer"));
        var oldSignature = W.Crypto.Sign(W.Alice, privateKey, MechanismId.Sha256RsaPkcs, "old"u8);
        var keys = W.KeyCount;

        var (newPrivate, newPublic) = await W.Keys.RotateAsync(W.Alice, privateKey);

        Assert.NotNull(newPublic);
        Assert.Equal(keys + 2, W.KeyCount);
        Assert.Equal((ObjectClass.PrivateKey, ObjectClass.PublicKey), (W.Key(newPrivate).Class, W.Key(newPublic.Value).Class));
        Assert.Equal((newPublic, newPrivate), (W.Key(newPrivate).Partner, W.Key(newPublic.Value).Partner));
        Assert.Equal((newPrivate, newPublic), (W.Key(privateKey).Successor, W.Key(publicKey).Successor));
        Assert.NotNull(W.Key(privateKey).RetiredAt);
        Assert.NotNull(W.Key(publicKey).RetiredAt);
        Assert.Equal(2048UL, W.Key(newPublic.Value).Attributes.Number(AttributeId.ModulusBits));
        Assert.NotEqual(W.Key(publicKey).Attributes.Raw(AttributeId.Modulus), W.Key(newPublic.Value).Attributes.Raw(AttributeId.Modulus));
        Assert.Equal("signer", W.Key(newPublic.Value).Label);

        W.AssertRefused(HsmError.RET_KEY_RETIRED, () => W.Crypto.Sign(W.Alice, privateKey, MechanismId.Sha256RsaPkcs, "new"u8));
        W.AssertRefused(HsmError.RET_KEY_RETIRED, () => W.Crypto.Encrypt(W.Alice, publicKey, MechanismId.RsaPkcsOaep, CipherParameters.None, "new"u8));
        Assert.True(W.Crypto.Verify(W.Alice, publicKey, MechanismId.Sha256RsaPkcs, "old"u8, oldSignature));
        var newSignature = W.Crypto.Sign(W.Alice, newPrivate, MechanismId.Sha256RsaPkcs, "new"u8);
        Assert.True(W.Crypto.Verify(W.Alice, newPublic.Value, MechanismId.Sha256RsaPkcs, "new"u8, newSignature));
        Assert.False(W.Crypto.Verify(W.Alice, publicKey, MechanismId.Sha256RsaPkcs, "new"u8, newSignature));
    }

    [Fact]
    public async Task RotatingThePublicHalf_ReturnsThePublicSuccessorFirst()
    {
        var (privateKey, publicKey) = await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty);

        var (newPublic, newPrivate) = await W.Keys.RotateAsync(W.Alice, publicKey);

        Assert.Equal((ObjectClass.PublicKey, ObjectClass.PrivateKey), (W.Key(newPublic).Class, W.Key(newPrivate!.Value).Class));
        Assert.Equal(W.Key(publicKey).Attributes.Raw(AttributeId.EcParams), W.Key(newPublic).Attributes.Raw(AttributeId.EcParams));
        Assert.Equal(newPrivate, W.Key(privateKey).Successor);
        var signature = W.Crypto.Sign(W.Alice, newPrivate.Value, MechanismId.EcdsaSha256, "x"u8);
        Assert.True(W.Crypto.Verify(W.Alice, newPublic, MechanismId.EcdsaSha256, "x"u8, signature));
    }

    [Fact]
    public async Task RotatingTwice_IsRefused_AndSoIsRetiringARetiredKey()
    {
        var (privateKey, publicKey) = await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.EcEdwards, "", AttributeSet.Empty, AttributeSet.Empty);
        await W.Keys.RotateAsync(W.Alice, privateKey);

        await W.AssertRefusedAsync(HsmError.RET_KEY_RETIRED, () => W.Keys.RotateAsync(W.Alice, privateKey).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_RETIRED, () => W.Keys.RotateAsync(W.Alice, publicKey).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_RETIRED, () => W.Keys.RetireAsync(W.Alice, privateKey).AsTask());
    }

    [Fact]
    public async Task RetiredPair_VerifiesButNeverSigns()
    {
        var (privateKey, publicKey) = await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty);
        var signature = W.Crypto.Sign(W.Alice, privateKey, MechanismId.EcdsaSha256, "before"u8);
        var keys = W.KeyCount;

        await W.Keys.RetireAsync(W.Alice, privateKey);

        Assert.Equal(keys, W.KeyCount);
        Assert.NotNull(W.Key(privateKey).RetiredAt);
        Assert.NotNull(W.Key(publicKey).RetiredAt);
        Assert.Null(W.Key(privateKey).Successor);
        W.AssertRefused(HsmError.RET_KEY_RETIRED, () => W.Crypto.Sign(W.Alice, privateKey, MechanismId.EcdsaSha256, "after"u8));
        await W.AssertRefusedAsync(HsmError.RET_KEY_RETIRED, () => W.Keys.SetAttributeAsync(W.Alice, privateKey, AttributeId.Sign, [1]).AsTask());
        Assert.True(W.Crypto.Verify(W.Alice, publicKey, MechanismId.EcdsaSha256, "before"u8, signature));
        // a retired key can still be renamed or deleted
        await W.Keys.SetAttributeAsync(W.Alice, privateKey, AttributeId.Label, "retired"u8.ToArray());
        await W.Keys.DeleteAsync(W.Alice, privateKey);
        Assert.Null(W.Partition.Store.FindKey(privateKey));
    }

    [Fact]
    public async Task OnlyTheOwner_RotatesOrRetires()
    {
        var handle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        await W.Keys.ShareAsync(W.Alice, handle, "bob", true);
        var stranger = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty);

        await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Keys.RotateAsync(W.Bob, handle).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Keys.RetireAsync(W.Bob, handle).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_KEY_NOT_FOUND, () => W.Keys.RotateAsync(W.Bob, stranger).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Keys.RotateAsync(W.Officer, handle).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Keys.RetireAsync(W.Officer, handle).AsTask());
        Assert.Null(W.Key(handle).RetiredAt);
    }

    [Fact]
    public async Task Successor_TakesThePolicy_ButNotTheOfficersTrust()
    {
        var handle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty
            .With(AttributeId.Wrap, true).With(AttributeId.Extractable, false).With(AttributeId.WrapWithTrusted, true));
        await W.Keys.SetAttributeAsync(W.Officer, handle, AttributeId.Trusted, [1]);

        var (successor, _) = await W.Keys.RotateAsync(W.Alice, handle);

        var next = W.Key(successor).Attributes;
        Assert.Equal(false, next.Bool(AttributeId.Trusted));
        Assert.Equal((true, false, true, false), (next.IsTrue(AttributeId.Wrap), next.IsTrue(AttributeId.Extractable), next.IsTrue(AttributeId.WrapWithTrusted), next.IsTrue(AttributeId.Encrypt)));
        Assert.Equal(true, next.Bool(AttributeId.NeverExtractable));
        Assert.True(W.Key(handle).Attributes.IsTrue(AttributeId.Trusted));
    }

    [Fact]
    public async Task SessionKeys_AreNotRotated()
    {
        var handle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Token, false));

        await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Keys.RotateAsync(W.Alice, handle).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Keys.RetireAsync(W.Alice, handle).AsTask());
    }
}
