using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Support;

/// <summary>An active partition with two crypto users logged in, and the key and crypto services over it.</summary>
internal sealed record KeyWorld(TestPartition Partition, KeyObjects Objects, LoginContext Officer, LoginContext Alice, LoginContext Bob)
    : IDisposable
{
    public static async Task<KeyWorld> CreateAsync(PartitionPolicy? policy = null)
    {
        var (partition, officer) = await TestPartition.ActiveAsync(policy);
        await partition.CreateUserAsync(officer, UserType.CU, "alice");
        await partition.CreateUserAsync(officer, UserType.CU, "bob");
        var alice = await partition.LoginAsync(UserType.CU, "alice", TestPartition.UserPassword);
        var bob = await partition.LoginAsync(UserType.CU, "bob", TestPartition.UserPassword);
        var objects = new KeyObjects(partition.Store, partition.Log, partition.Keys, new SessionKeyStore(), partition.Clock);
        return new KeyWorld(partition, objects, officer, alice, bob);
    }

    public KeyService Keys { get; } = new(Objects);
    public CryptoService Crypto { get; } = new(Objects);
    public KeyTransferService Transfer { get; } = new(Objects);
    public KeyDerivationService Derivation { get; } = new(Objects);
    public MaskedObjectService Masking { get; } = new(Objects);

    /// <summary>Token keys in the partition.</summary>
    public int KeyCount => Partition.Store.KeyCount;

    /// <summary>A token key as stored.</summary>
    public KeyRecord Key(ulong handle) => Partition.Store.FindKey(handle) ?? throw new InvalidOperationException($"no token key {handle}");

    /// <summary>Another login of a user of this world (one PBKDF2 run).</summary>
    public Task<LoginContext> LoginAgainAsync(string user) => Partition.LoginAsync(UserType.CU, user, TestPartition.UserPassword);

    /// <summary>An AES key of <paramref name="owner"/> that wraps and unwraps, marked TRUSTED by the officer: the "user KEK" of imports.</summary>
    public async Task<ulong> TrustedKekAsync(LoginContext owner)
    {
        var kek = await Keys.GenerateSymmetricAsync(owner, KeyType.Aes, 32,
            AttributeSet.Empty.With(AttributeId.Wrap, true).With(AttributeId.Unwrap, true).With(AttributeId.Label, "kek"));
        await Keys.SetAttributeAsync(Officer, kek, AttributeId.Trusted, [1]);
        return kek;
    }

    /// <summary>A secret key of known value, brought in through a TRUSTED key-encryption key.</summary>
    public async Task<ulong> ImportSecretAsync(LoginContext owner, ulong trustedKek, KeyType type, byte[] value, AttributeSet? template = null) =>
        await Transfer.ImportAsync(owner, trustedKek, value.ToArray(), new IncomingKey(ObjectClass.SecretKey, type, template ?? AttributeSet.Empty));

    /// <summary>Every token key as stored, this node's session-key count and the commands applied: what a refusal must leave as it was.</summary>
    public (KeyRecord[] TokenKeys, int SessionKeys, int Commands) Snapshot() =>
        (Partition.Store.FindKeys(new KeyQuery { Limit = 100_000 }).ToArray(), Objects.SessionKeys.Count, Partition.Log.Applied.Count);

    /// <summary>Asserts the action is refused with <paramref name="expected"/> and leaves every key, and the command log, as they were.</summary>
    public void AssertRefused(HsmError expected, Action action)
    {
        var before = Snapshot();
        Assert.Equal(expected, Assert.Throws<HsmException>(action).Error);
        AssertUnchanged(before);
    }

    /// <inheritdoc cref="AssertRefused"/>
    public async Task AssertRefusedAsync(HsmError expected, Func<Task> action)
    {
        var before = Snapshot();
        Assert.Equal(expected, (await Assert.ThrowsAsync<HsmException>(action)).Error);
        AssertUnchanged(before);
    }

    public void AssertUnchanged((KeyRecord[] TokenKeys, int SessionKeys, int Commands) before)
    {
        var after = Snapshot();
        Assert.Equal(before.TokenKeys.Length, after.TokenKeys.Length);
        Assert.Equal(before.TokenKeys, after.TokenKeys);
        Assert.Equal(before.SessionKeys, after.SessionKeys);
        Assert.Equal(before.Commands, after.Commands);
    }

    public void Dispose() => Partition.Dispose();
}

/// <summary>One <see cref="KeyWorld"/> for a whole test class (its logins cost PBKDF2 runs); tests in a class run one at a time.</summary>
public class KeyWorldFixture : IAsyncLifetime
{
    private KeyWorld? _world;

    internal KeyWorld World => _world ?? throw new InvalidOperationException("The world is made in InitializeAsync.");

    /// <summary>The partition's policy; null for the default one.</summary>
    protected virtual PartitionPolicy? Policy => null;

    public virtual async Task InitializeAsync() => _world = await KeyWorld.CreateAsync(Policy);

    public Task DisposeAsync()
    {
        _world?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>A world whose partition holds 4 key handles, for capacity rules.</summary>
public sealed class SmallPartitionFixture : KeyWorldFixture
{
    public const int MaxKeys = 4;

    protected override PartitionPolicy Policy => new() { MaxKeys = MaxKeys };
}
