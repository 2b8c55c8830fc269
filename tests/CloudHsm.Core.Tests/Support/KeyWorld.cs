using CloudHsm.Core.Keys;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Support;

/// <summary>An active partition with two crypto users logged in, and the key and crypto services over it.</summary>
internal sealed record KeyWorld(TestPartition Partition, KeyService Keys, CryptoService Crypto, LoginContext Officer, LoginContext Alice, LoginContext Bob)
    : IDisposable
{
    public static async Task<KeyWorld> CreateAsync(PartitionPolicy? policy = null)
    {
        var (partition, officer) = await TestPartition.ActiveAsync(policy);
        await partition.CreateUserAsync(officer, UserType.CU, "alice");
        await partition.CreateUserAsync(officer, UserType.CU, "bob");
        var alice = await partition.LoginAsync(UserType.CU, "alice", TestPartition.UserPassword);
        var bob = await partition.LoginAsync(UserType.CU, "bob", TestPartition.UserPassword);
        return new KeyWorld(partition, new KeyService(partition.Store, partition.Log, partition.Keys, partition.Clock),
            new CryptoService(partition.Store, partition.Keys), officer, alice, bob);
    }

    public void Dispose() => Partition.Dispose();
}
