using CloudHsm.Core.Commands;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Tests.Support;

namespace CloudHsm.Core.Tests.Keys;

/// <summary>Last use of token keys: recorded at most hourly, in batches, and the stale-key report built on it.</summary>
public sealed class KeyUseTests : IClassFixture<KeyWorldFixture>, IDisposable
{
    private const string P256 = "1.2.840.10045.3.1.7";
    private static readonly CipherParameters Gcm = new() { AssociatedData = "use"u8.ToArray() };
    private readonly KeyWorldFixture _fixture;
    private readonly KeyUseRecorder _recorder;

    public KeyUseTests(KeyWorldFixture fixture)
    {
        _fixture = fixture;
        _recorder = new KeyUseRecorder(W.Partition.Log, W.Partition.Clock);
        _recorder.Attach(W.Objects);
    }

    private KeyWorld W => _fixture.World;

    private int RecordedUses => W.Partition.Log.Applied.OfType<RecordKeyUse>().Count();

    public void Dispose() => W.Objects.Used -= _recorder.Used;

    [Fact]
    public async Task Sign_RecordsTheKeysLastUse_ByItself()
    {
        var (privateKey, publicKey) = await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty);
        W.Partition.Clock.Advance(TimeSpan.FromMinutes(5));
        var usedAt = W.Partition.Clock.GetUtcNow();

        var signature = W.Crypto.Sign(W.Alice, privateKey, MechanismId.EcdsaSha256, "x"u8);
        await _recorder.Pending;

        Assert.Equal(usedAt, W.Key(privateKey).LastUsedAt);
        Assert.Null(W.Key(publicKey).LastUsedAt);

        W.Crypto.Verify(W.Alice, publicKey, MechanismId.EcdsaSha256, "x"u8, signature);
        await _recorder.FlushAsync();
        Assert.Equal(usedAt, W.Key(publicKey).LastUsedAt);
    }

    [Fact]
    public async Task UsesWithinAnHour_AreNotWrittenAgain()
    {
        var key = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        var firstUse = W.Partition.Clock.GetUtcNow();
        W.Crypto.Encrypt(W.Alice, key, MechanismId.AesGcm, Gcm, "1"u8);
        await _recorder.FlushAsync();
        var recorded = RecordedUses;

        W.Partition.Clock.Advance(TimeSpan.FromMinutes(30));
        W.Crypto.Encrypt(W.Alice, key, MechanismId.AesGcm, Gcm, "2"u8);
        await _recorder.FlushAsync();

        Assert.Equal(recorded, RecordedUses);
        Assert.Equal(firstUse, W.Key(key).LastUsedAt);

        W.Partition.Clock.Advance(TimeSpan.FromMinutes(31));
        var secondUse = W.Partition.Clock.GetUtcNow();
        W.Crypto.Encrypt(W.Alice, key, MechanismId.AesGcm, Gcm, "3"u8);
        await _recorder.FlushAsync();

        Assert.Equal(recorded + 1, RecordedUses);
        Assert.Equal(secondUse, W.Key(key).LastUsedAt);
    }

    [Fact]
    public async Task SessionKeyUses_AreNotRecorded()
    {
        var key = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Token, false));
        await _recorder.FlushAsync();
        var recorded = RecordedUses;

        W.Crypto.Encrypt(W.Alice, key, MechanismId.AesGcm, Gcm, "x"u8);
        await _recorder.FlushAsync();

        Assert.Equal(recorded, RecordedUses);
    }

    [Fact]
    public async Task UnwrapAndDerive_CountAsUsesOfTheirKeys()
    {
        var kek = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Wrap, true).With(AttributeId.Unwrap, true));
        var baseKey = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Derive, true));
        var wrapped = W.Transfer.Wrap(W.Alice, baseKey, kek, MechanismId.AesKeyWrap, WrapParameters.Default);
        await _recorder.FlushAsync();
        W.Partition.Clock.Advance(TimeSpan.FromHours(2));
        var now = W.Partition.Clock.GetUtcNow();

        await W.Transfer.UnwrapAsync(W.Alice, kek, MechanismId.AesKeyWrap, WrapParameters.Default, wrapped, new IncomingKey(ObjectClass.SecretKey, KeyType.Aes, AttributeSet.Empty));
        await W.Derivation.DeriveAsync(W.Alice, baseKey, MechanismId.Sp800108CounterKdf, new DeriveParameters(), KeyType.Aes, 32, AttributeSet.Empty);
        await _recorder.FlushAsync();

        Assert.Equal(now, W.Key(kek).LastUsedAt);
        Assert.Equal(now, W.Key(baseKey).LastUsedAt);
    }

    [Fact]
    public async Task KeysNotUsedFor90Days_AreFoundAndCountedAsStale()
    {
        var used = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        var idle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        var (idlePrivate, idlePublic) = await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty);
        var start = W.Partition.Clock.GetUtcNow();
        W.Partition.Clock.Advance(TimeSpan.FromDays(60));
        W.Crypto.Encrypt(W.Alice, used, MechanismId.AesGcm, Gcm, "x"u8);
        await _recorder.FlushAsync();
        W.Partition.Clock.Advance(TimeSpan.FromDays(31));

        var cutoff = W.Partition.Clock.GetUtcNow().AddDays(-KeyUsage.DefaultStaleDays);
        var stale = W.Keys.Find(W.Alice, new KeyQuery { UnusedSince = cutoff, Limit = 10_000 }).Select(k => k.Handle).ToList();
        var info = W.Partition.Service.GetInfo();

        Assert.Superset(new HashSet<ulong> { idle, idlePrivate, idlePublic }, stale.ToHashSet());
        Assert.DoesNotContain(used, stale);
        // every key of this world was made at or before this test's start, and only one was used since
        Assert.True(W.Partition.Store.FindKeys(new KeyQuery { Limit = 100_000 }).All(k => k.CreatedAt <= start));
        Assert.Equal(W.KeyCount - 1, info.KeyUsage.StaleKeys);
        Assert.Equal(KeyUsage.DefaultStaleDays, info.KeyUsage.StaleDays);

        // one more use and the pair's private half leaves the report
        W.Crypto.Sign(W.Alice, idlePrivate, MechanismId.EcdsaSha256, "x"u8);
        await _recorder.FlushAsync();
        Assert.Equal(W.KeyCount - 2, W.Partition.Service.GetInfo().KeyUsage.StaleKeys);
        Assert.DoesNotContain(idlePrivate, W.Keys.Find(W.Alice, new KeyQuery { UnusedSince = cutoff, Limit = 10_000 }).Select(k => k.Handle));
    }
}
