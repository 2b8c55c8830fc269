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

    public void Dispose() => Partition.Dispose();
}
