using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Tests.Support;

namespace CloudHsm.Core.Tests.Keys;

/// <summary>extractMaskedObject / insertMaskedObject: a key with its metadata, only for this partition, only by its owner.</summary>
public sealed class MaskedObjectTests(KeyWorldFixture fixture) : IClassFixture<KeyWorldFixture>
{
    private static readonly CipherParameters Gcm = new() { AssociatedData = "masked"u8.ToArray() };

    private KeyWorld W => fixture.World;

    private async Task<ulong> NonExtractableSharedKeyAsync()
    {
        var handle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty
            .With(AttributeId.Extractable, false).With(AttributeId.Label, "masked").With(AttributeId.Id, [7, 7]));
        await W.Keys.ShareAsync(W.Alice, handle, "bob", true);
        return handle;
    }

    [Fact]
    public async Task NonExtractableKey_ComesBackWithItsOwnerSharesAndAttributes_AndWorks()
    {
        var handle = await NonExtractableSharedKeyAsync();
        var original = W.Key(handle);
        var sealedData = W.Crypto.Encrypt(W.Alice, handle, MechanismId.AesGcm, Gcm, "before the backup"u8);

        var blob = W.Masking.Extract(W.Alice, handle);
        var material = W.Partition.Keys.Secrets.Unseal(original.SealedMaterial, SealPurpose.KeyMaterial);
        Assert.True(blob.AsSpan().IndexOf(material) < 0, "the masked object holds the key in clear");
        await W.Keys.DeleteAsync(W.Alice, handle);
        var keys = W.KeyCount;

        var inserted = await W.Masking.InsertAsync(W.Alice, blob);

        Assert.Equal(keys + 1, W.KeyCount);
        var key = W.Key(inserted);
        Assert.Equal("alice", key.Owner);
        Assert.Equal(["bob"], key.Shares);
        Assert.Equal(original.Attributes, key.Attributes);
        Assert.Equal(false, key.Attributes.Bool(AttributeId.Extractable));
        Assert.Equal(true, key.Attributes.Bool(AttributeId.NeverExtractable));
        Assert.Equal("before the backup"u8.ToArray(), W.Crypto.Decrypt(W.Alice, inserted, MechanismId.AesGcm, Gcm with { Iv = sealedData.Iv }, sealedData.Output));
        Assert.Equal("before the backup"u8.ToArray(), W.Crypto.Decrypt(W.Bob, inserted, MechanismId.AesGcm, Gcm with { Iv = sealedData.Iv }, sealedData.Output));
    }

    [Fact]
    public async Task PrivateKey_ComesBackAndSigns()
    {
        var (privateKey, publicKey) = await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.EcEdwards, "", AttributeSet.Empty.With(AttributeId.Extractable, false), AttributeSet.Empty);

        var inserted = await W.Masking.InsertAsync(W.Alice, W.Masking.Extract(W.Alice, privateKey));

        var signature = W.Crypto.Sign(W.Alice, inserted, MechanismId.EdDsa, "restored"u8);
        Assert.True(W.Crypto.Verify(W.Alice, publicKey, MechanismId.EdDsa, "restored"u8, signature));
    }

    [Fact]
    public async Task AlteredMaskedObject_IsRefused_WhicheverByteChanged()
    {
        var blob = W.Masking.Extract(W.Alice, await NonExtractableSharedKeyAsync());

        for (var position = 0; position < blob.Length; position++)
        {
            var altered = blob.ToArray();
            altered[position] ^= 0x80;
            await W.AssertRefusedAsync(HsmError.RET_MASKED_OBJECT_INVALID, () => W.Masking.InsertAsync(W.Alice, altered).AsTask());
        }
        await W.AssertRefusedAsync(HsmError.RET_MASKED_OBJECT_INVALID, () => W.Masking.InsertAsync(W.Alice, blob.AsMemory(0, blob.Length - 1)).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_MASKED_OBJECT_INVALID, () => W.Masking.InsertAsync(W.Alice, blob.AsMemory(8)).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_MASKED_OBJECT_INVALID, () => W.Masking.InsertAsync(W.Alice, new byte[blob.Length]).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_MASKED_OBJECT_INVALID, () => W.Masking.InsertAsync(W.Alice, ReadOnlyMemory<byte>.Empty).AsTask());
    }

    [Fact]
    public async Task AnotherPartition_CannotInsertIt()
    {
        var blob = W.Masking.Extract(W.Alice, await NonExtractableSharedKeyAsync());
        using var foreign = await KeyWorld.CreateAsync();

        await foreign.AssertRefusedAsync(HsmError.RET_MASKED_OBJECT_INVALID, () => foreign.Masking.InsertAsync(foreign.Alice, blob).AsTask());
        Assert.Equal(0, foreign.KeyCount);
        // and a masked object of that partition does not open here
        var theirs = foreign.Masking.Extract(foreign.Alice, await foreign.Keys.GenerateSymmetricAsync(foreign.Alice, KeyType.Aes, 32, AttributeSet.Empty));
        await W.AssertRefusedAsync(HsmError.RET_MASKED_OBJECT_INVALID, () => W.Masking.InsertAsync(W.Alice, theirs).AsTask());
    }

    [Fact]
    public async Task OnlyTheOwner_ExtractsAndInserts()
    {
        var handle = await NonExtractableSharedKeyAsync();
        var blob = W.Masking.Extract(W.Alice, handle);

        W.AssertRefused(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Masking.Extract(W.Bob, handle));
        await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Masking.InsertAsync(W.Bob, blob).AsTask());
        W.AssertRefused(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Masking.Extract(W.Officer, handle));
        await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Masking.InsertAsync(W.Officer, blob).AsTask());
        var bobsOwn = await W.Keys.GenerateSymmetricAsync(W.Bob, KeyType.Aes, 32, AttributeSet.Empty);
        W.AssertRefused(HsmError.RET_KEY_NOT_FOUND, () => W.Masking.Extract(W.Alice, bobsOwn));
    }

    [Fact]
    public async Task RetiredKey_StaysRetiredThroughAMaskedObject()
    {
        var handle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        await W.Keys.RotateAsync(W.Alice, handle);
        var blob = W.Masking.Extract(W.Alice, handle);

        var inserted = await W.Masking.InsertAsync(W.Alice, blob);

        Assert.NotNull(W.Key(inserted).RetiredAt);
        await W.AssertRefusedAsync(HsmError.RET_KEY_RETIRED, () => W.Keys.SetAttributeAsync(W.Alice, inserted, AttributeId.Encrypt, [1]).AsTask());
        W.AssertRefused(HsmError.RET_KEY_RETIRED, () => W.Crypto.Encrypt(W.Alice, inserted, MechanismId.AesGcm, Gcm, "new data"u8));
    }

    [Fact]
    public async Task InsertedKey_KeepsItsDates()
    {
        var handle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        var original = W.Key(handle);
        var blob = W.Masking.Extract(W.Alice, handle);
        W.Partition.Clock.Advance(TimeSpan.FromDays(3));

        var inserted = await W.Masking.InsertAsync(W.Alice, blob);

        Assert.Equal(original.CreatedAt, W.Key(inserted).CreatedAt);
    }
}
