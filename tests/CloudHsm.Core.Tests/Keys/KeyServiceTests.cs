using System.Formats.Asn1;
using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Keys;

/// <summary>Keys through the service and the state machine: generation, ownership, sharing, trust, capacity.</summary>
public sealed class KeyServiceTests
{
    private static Task<KeyWorld> WorldAsync(PartitionPolicy? policy = null) => KeyWorld.CreateAsync(policy);

    private static async Task<HsmError> RefusalAsync(Func<Task> action) => (await Assert.ThrowsAsync<HsmException>(action)).Error;

    [Fact]
    public async Task GeneratedAesKey_IsOwnedSealedAndCarriesItsKcv()
    {
        using var w = await WorldAsync();

        var handle = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Label, "payments"));

        var key = w.Partition.Store.FindKey(handle)!;
        Assert.Equal("alice", key.Owner);
        Assert.Equal("payments", key.Label);
        Assert.Equal(32UL, key.Attributes.Number(AttributeId.ValueLen));
        Assert.True(key.Attributes.IsTrue(AttributeId.Local));
        var material = w.Partition.Keys.Secrets.Unseal(key.SealedMaterial, SealPurpose.KeyMaterial);
        using var aes = Aes.Create();
        aes.Key = material;
        Assert.Equal(aes.EncryptEcb(new byte[16], PaddingMode.None)[..3], key.Attributes.Raw(AttributeId.Kcv));
        Assert.True(key.SealedMaterial.AsSpan().IndexOf(material) < 0, "the key material is stored in clear");
    }

    [Fact]
    public async Task OfficersDoNotMakeKeys()
    {
        using var w = await WorldAsync();
        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED,
            await RefusalAsync(() => w.Keys.GenerateSymmetricAsync(w.Officer, KeyType.Aes, 32, AttributeSet.Empty).AsTask()));
        Assert.Equal(0, w.Partition.Store.KeyCount);
    }

    [Theory]
    [InlineData(KeyType.Aes, 20)]
    [InlineData(KeyType.GenericSecret, 4)]
    [InlineData(KeyType.GenericSecret, 801)]
    public async Task WrongKeySizes_AreRefused(KeyType type, int length)
    {
        using var w = await WorldAsync();
        Assert.Equal(HsmError.RET_KEY_SIZE_RANGE, await RefusalAsync(() => w.Keys.GenerateSymmetricAsync(w.Alice, type, length, AttributeSet.Empty).AsTask()));
        Assert.Equal(0, w.Partition.Store.KeyCount);
    }

    [Fact]
    public async Task CapacityLimit_CountsAPairAsTwo_AndRefusesBeyond()
    {
        using var w = await WorldAsync(new PartitionPolicy { MaxKeys = 3 });
        await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 16, AttributeSet.Empty);
        await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Ec, "1.2.840.10045.3.1.7", AttributeSet.Empty, AttributeSet.Empty);

        Assert.Equal(HsmError.RET_OBJECT_LIMIT_REACHED,
            await RefusalAsync(() => w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 16, AttributeSet.Empty).AsTask()));
        Assert.Equal(3, w.Partition.Store.KeyCount);
    }

    [Fact]
    public async Task EcPair_PublicPointMatchesTheSealedPrivateKey()
    {
        using var w = await WorldAsync();
        var (privateHandle, publicHandle) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Ec, "1.3.132.0.34", AttributeSet.Empty, AttributeSet.Empty);

        var privateKey = w.Partition.Store.FindKey(privateHandle)!;
        var publicKey = w.Partition.Store.FindKey(publicHandle)!;
        Assert.Equal((ObjectClass.PrivateKey, ObjectClass.PublicKey), (privateKey.Class, publicKey.Class));
        Assert.True(privateKey.Attributes.IsTrue(AttributeId.Sign));
        Assert.True(publicKey.Attributes.IsTrue(AttributeId.Verify));
        using var ec = ECDsa.Create();
        ec.ImportPkcs8PrivateKey(w.Partition.Keys.Secrets.Unseal(privateKey.SealedMaterial, SealPurpose.KeyMaterial), out _);
        var q = ec.ExportParameters(false).Q;
        var point = new AsnReader(publicKey.Attributes.Raw(AttributeId.EcPoint)!, AsnEncodingRules.DER).ReadOctetString();
        Assert.Equal([0x04, .. q.X!, .. q.Y!], point);
    }

    [Fact]
    public async Task RsaAndEd25519Pairs_AreMade()
    {
        using var w = await WorldAsync();
        var (rsaPrivate, _) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Rsa, "2048", AttributeSet.Empty, AttributeSet.Empty);
        var (edPrivate, edPublic) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.EcEdwards, "", AttributeSet.Empty, AttributeSet.Empty);

        Assert.Equal(2048UL, w.Partition.Store.FindKey(rsaPrivate)!.Attributes.Number(AttributeId.ModulusBits));
        var edKey = w.Partition.Keys.Secrets.Unseal(w.Partition.Store.FindKey(edPrivate)!.SealedMaterial, SealPurpose.KeyMaterial);
        var point = new AsnReader(w.Partition.Store.FindKey(edPublic)!.Attributes.Raw(AttributeId.EcPoint)!, AsnEncodingRules.DER).ReadOctetString();
        Assert.Equal(CloudHsm.Core.Mechanisms.Ed25519.PublicKeyOf(edKey), point);
        Assert.Equal(HsmError.RET_KEY_SIZE_RANGE, await RefusalAsync(() =>
            w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Rsa, "1024", AttributeSet.Empty, AttributeSet.Empty).AsTask()));
    }

    [Fact]
    public async Task SharedKey_CanBeSeenButNotChangedDeletedOrReshared_ByTheOtherUser()
    {
        using var w = await WorldAsync();
        var handle = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        Assert.Equal(HsmError.RET_KEY_NOT_FOUND, await RefusalAsync(async () => await Task.FromResult(w.Keys.Get(w.Bob, handle))));

        await w.Keys.ShareAsync(w.Alice, handle, "bob", share: true);

        Assert.Single(w.Keys.Find(w.Bob, new KeyQuery()));
        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED, await RefusalAsync(() => w.Keys.DeleteAsync(w.Bob, handle).AsTask()));
        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED, await RefusalAsync(() => w.Keys.ShareAsync(w.Bob, handle, "alice", true).AsTask()));
        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED, await RefusalAsync(() =>
            w.Keys.SetAttributeAsync(w.Bob, handle, AttributeId.Label, "mine"u8.ToArray()).AsTask()));
        Assert.Equal(["bob"], w.Partition.Store.FindKey(handle)!.Shares);

        await w.Keys.ShareAsync(w.Alice, handle, "bob", share: false);
        Assert.Empty(w.Keys.Find(w.Bob, new KeyQuery()));
    }

    [Fact]
    public async Task OwnerDeletesItsKey_AStrangerCannotEvenSeeIt()
    {
        using var w = await WorldAsync();
        var handle = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 16, AttributeSet.Empty);

        Assert.Equal(HsmError.RET_KEY_NOT_FOUND, await RefusalAsync(() => w.Keys.DeleteAsync(w.Bob, handle).AsTask()));
        await w.Keys.DeleteAsync(w.Alice, handle);

        Assert.Null(w.Partition.Store.FindKey(handle));
    }

    [Fact]
    public async Task Trusted_IsSetByTheOfficer_NeverByTheOwner()
    {
        using var w = await WorldAsync();
        var handle = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty);

        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED, await RefusalAsync(() =>
            w.Keys.SetAttributeAsync(w.Alice, handle, AttributeId.Trusted, [1]).AsTask()));
        await w.Keys.SetAttributeAsync(w.Officer, handle, AttributeId.Trusted, [1]);

        Assert.True(w.Partition.Store.FindKey(handle)!.Attributes.IsTrue(AttributeId.Trusted));
    }

    [Fact]
    public async Task Value_IsReadOnlyFromANonSensitiveExtractableKey_ByItsOwner()
    {
        using var w = await WorldAsync();
        var sensitive = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        var readable = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Sensitive, false));
        await w.Keys.ShareAsync(w.Alice, readable, "bob", true);

        Assert.Equal(HsmError.RET_ATTRIBUTE_SENSITIVE, await RefusalAsync(async () => await Task.FromResult(w.Keys.GetAttribute(w.Alice, sensitive, AttributeId.Value))));
        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED, await RefusalAsync(async () => await Task.FromResult(w.Keys.GetAttribute(w.Bob, readable, AttributeId.Value))));
        Assert.Equal(32, w.Keys.GetAttribute(w.Alice, readable, AttributeId.Value).Length);
    }

    [Fact]
    public async Task DeletedUser_LeavesNoShareBehind()
    {
        using var w = await WorldAsync();
        var handle = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        await w.Keys.ShareAsync(w.Alice, handle, "bob", true);
        w.Partition.Service.Logout(w.Bob);

        await w.Partition.Service.DeleteUserAsync(w.Officer, UserType.CU, "bob");

        Assert.Empty(w.Partition.Store.FindKey(handle)!.Shares);
    }
}
