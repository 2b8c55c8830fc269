using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Tests.Support;

namespace CloudHsm.Core.Tests.Keys;

/// <summary>
/// The partition's key handles (token and session keys, a pair counting two) in a partition of
/// <see cref="SmallPartitionFixture.MaxKeys"/>; usage by class; lookups by KCV. Each test starts empty.
/// </summary>
public sealed class CapacityByClassTests(SmallPartitionFixture fixture) : IClassFixture<SmallPartitionFixture>
{
    private const string P256 = "1.2.840.10045.3.1.7";
    private const int MaxKeys = SmallPartitionFixture.MaxKeys;
    private static readonly AttributeSet SessionTemplate = AttributeSet.Empty.With(AttributeId.Token, false);

    private KeyWorld W => fixture.World;

    private async Task EmptyPartitionAsync()
    {
        W.Objects.SessionKeys.Clear();
        foreach (var key in W.Partition.Store.FindKeys(new KeyQuery { Limit = 100_000 }))
        {
            await W.Keys.DeleteAsync(key.Owner == "alice" ? W.Alice : W.Bob, key.Handle);
        }
        Assert.Equal(0, W.KeyCount);
    }

    private async Task<List<ulong>> AesKeysAsync(int count, AttributeSet? template = null)
    {
        var handles = new List<ulong>();
        for (var i = 0; i < count; i++) handles.Add(await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 16, template ?? AttributeSet.Empty));
        return handles;
    }

    [Fact]
    public async Task PairWhenOneHandleIsLeft_IsRefused_AndMakesNeitherHalf()
    {
        await EmptyPartitionAsync();
        await AesKeysAsync(MaxKeys - 1);

        await W.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () =>
            W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () =>
            W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, P256, SessionTemplate, SessionTemplate).AsTask());

        await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 16, AttributeSet.Empty);
        Assert.Equal(MaxKeys, W.KeyCount);
        await W.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () => W.Keys.GenerateSymmetricAsync(W.Bob, KeyType.Aes, 16, AttributeSet.Empty).AsTask());
    }

    [Fact]
    public async Task SessionKeys_CountTowardTheLimit_UntilTheirLoginEnds()
    {
        await EmptyPartitionAsync();
        var elsewhere = await W.LoginAgainAsync("alice");
        await AesKeysAsync(MaxKeys - 2);
        await W.Keys.GenerateSymmetricAsync(elsewhere, KeyType.Aes, 16, SessionTemplate);
        await W.Keys.GenerateSymmetricAsync(elsewhere, KeyType.Aes, 16, SessionTemplate);
        Assert.Equal(MaxKeys - 2, W.KeyCount);

        await W.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () => W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 16, SessionTemplate).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () => W.Keys.GenerateSymmetricAsync(W.Bob, KeyType.Aes, 16, SessionTemplate).AsTask());

        W.Partition.Service.Logout(elsewhere);

        Assert.Equal(0, W.Objects.SessionKeys.Count);
        await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 16, SessionTemplate);
        await W.Keys.GenerateSymmetricAsync(W.Bob, KeyType.Aes, 16, SessionTemplate);
    }

    [Fact]
    public async Task TokenKey_IsRefused_WhenSessionKeysFillTheLimit()
    {
        await EmptyPartitionAsync();
        await AesKeysAsync(MaxKeys - 2);
        await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 16, SessionTemplate);
        await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 16, SessionTemplate);

        await W.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () => W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 16, AttributeSet.Empty).AsTask());
    }

    [Fact]
    public async Task SessionKeyBecomingATokenKey_TakesNoSecondHandle()
    {
        await EmptyPartitionAsync();
        await AesKeysAsync(MaxKeys - 1);
        var session = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 16, SessionTemplate);

        await W.Keys.SetAttributeAsync(W.Alice, session, AttributeId.Token, [1]);

        Assert.Equal(MaxKeys, W.KeyCount);
        Assert.Equal(0, W.Objects.SessionKeys.Count);
        Assert.True(W.Key(session).IsToken);
    }

    [Fact]
    public async Task RotationWithoutFreeHandles_IsRefused_AndRetiresNothing()
    {
        await EmptyPartitionAsync();
        var keys = await AesKeysAsync(MaxKeys);

        await W.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () => W.Keys.RotateAsync(W.Alice, keys[0]).AsTask());

        Assert.Null(W.Key(keys[0]).RetiredAt);
        Assert.True(W.Key(keys[0]).Attributes.IsTrue(AttributeId.Encrypt));
    }

    [Fact]
    public async Task EveryWayInOfANewKey_RespectsTheLimit()
    {
        await EmptyPartitionAsync();
        var kek = await W.TrustedKekAsync(W.Alice);
        var baseKey = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Derive, true));
        var wrapped = W.Transfer.Wrap(W.Alice, baseKey, kek, MechanismId.AesKeyWrap, WrapParameters.Default);
        var masked = W.Masking.Extract(W.Alice, baseKey);
        await AesKeysAsync(MaxKeys - 2);
        var incoming = new IncomingKey(ObjectClass.SecretKey, KeyType.Aes, AttributeSet.Empty);

        await W.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () =>
            W.Transfer.UnwrapAsync(W.Alice, kek, MechanismId.AesKeyWrap, WrapParameters.Default, wrapped, incoming).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () => W.ImportSecretAsync(W.Alice, kek, KeyType.Aes, new byte[32]));
        await W.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () => W.Masking.InsertAsync(W.Alice, masked).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () =>
            W.Derivation.DeriveAsync(W.Alice, baseKey, MechanismId.Sp800108CounterKdf, new DeriveParameters(), KeyType.Aes, 32, AttributeSet.Empty).AsTask());
        using var ecdsa = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        await W.AssertRefusedAsync(HsmError.RET_OBJECT_LIMIT_REACHED, () =>
            W.Keys.ImportPublicKeyAsync(W.Alice, ecdsa.ExportSubjectPublicKeyInfo(), AttributeSet.Empty).AsTask());
    }

    [Fact]
    public async Task KeyUsage_CountsTokenKeysByClass()
    {
        await EmptyPartitionAsync();
        var secret = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 16, AttributeSet.Empty);
        await W.Keys.GenerateKeyPairAsync(W.Bob, KeyType.EcEdwards, "", AttributeSet.Empty, AttributeSet.Empty);
        await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 16, SessionTemplate);

        var info = W.Partition.Service.GetInfo();

        Assert.Equal((3, MaxKeys), (info.Keys, info.MaxKeys));
        Assert.Equal((1, 1, 1, 0), (info.KeyUsage.PrivateKeys, info.KeyUsage.PublicKeys, info.KeyUsage.SecretKeys, info.KeyUsage.StaleKeys));

        await W.Keys.DeleteAsync(W.Alice, secret);
        var after = W.Partition.Service.GetInfo().KeyUsage;
        Assert.Equal((1, 1, 0), (after.PrivateKeys, after.PublicKeys, after.SecretKeys));
    }

    [Fact]
    public async Task FindByKcv_FindsEveryCopyOfAValue_ThatTheCallerMaySee()
    {
        await EmptyPartitionAsync();
        var kek = await W.TrustedKekAsync(W.Alice);
        var value = Convert.FromHexString("000102030405060708090A0B0C0D0E0F");
        var first = await W.ImportSecretAsync(W.Alice, kek, KeyType.Aes, value);
        var second = await W.ImportSecretAsync(W.Alice, kek, KeyType.Aes, value);
        var session = await W.ImportSecretAsync(W.Alice, kek, KeyType.Aes, value, SessionTemplate);
        var kcv = KeyGeneration.SecretAttributes(KeyType.Aes, value).Raw(AttributeId.Kcv)!;

        Assert.Equal(new[] { first, second, session }.Order(), W.Keys.Find(W.Alice, new KeyQuery { Kcv = kcv }).Select(k => k.Handle));
        Assert.Equal(new[] { first, second }.Order(), W.Keys.Find(W.Officer, new KeyQuery { Kcv = kcv }).Select(k => k.Handle));
        Assert.Empty(W.Keys.Find(W.Bob, new KeyQuery { Kcv = kcv }));
        Assert.Equal([kek], W.Keys.Find(W.Alice, new KeyQuery { Kcv = W.Key(kek).Kcv }).Select(k => k.Handle));
        Assert.Empty(W.Keys.Find(W.Alice, new KeyQuery { Kcv = [0, 0, 0] }));

        await W.Keys.ShareAsync(W.Alice, second, "bob", true);
        Assert.Equal([second], W.Keys.Find(W.Bob, new KeyQuery { Kcv = kcv }).Select(k => k.Handle));
    }
}
