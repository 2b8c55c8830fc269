using System.Diagnostics;
using CloudHsm.Client;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.IntegrationTests.Cluster;

/// <summary>Real node processes and the .NET SDK: one node cut off from the others keeps signing and refuses changes.</summary>
public sealed class ClusterMinorityTests
{
    private const ulong GenericSecretKeyType = 0x10;
    private const ulong AesKeyType = 0x1F;
    private const ulong Sha256Hmac = 0x251; // CKM_SHA256_HMAC

    [Fact]
    public async Task ANodeWithoutAMajorityStillSignsWithExistingKeysButRefusesWritesWithNoQuorum()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        var alone = leader % 3 + 1;
        // Only node X in the configuration: every call lands there, nothing fails over.
        var config = ClientConfig.Load(Path.Combine(cluster.Directory, "client.json")) with { Nodes = [$"127.0.0.1:{cluster.Port(alone)}"], Wire = null };
        var (cuName, cuPassword) = cluster.Credentials("CU");
        var (coName, coPassword) = cluster.Credentials("CO");
        using var cu = new HsmClient(config) { RetryWindow = TimeSpan.FromSeconds(2) };
        using var co = new HsmClient(config) { RetryWindow = TimeSpan.FromSeconds(2) };
        await cu.LoginAsync(UserType.Cu, cuName, cuPassword);
        await co.LoginAsync(UserType.Co, coName, coPassword);
        var key = await cu.GenerateKeyAsync(GenericSecretKeyType, 32, [new Protocol.V1.Attribute { Id = 0x03, Value = ByteString.CopyFromUtf8("minority") }]);
        var mac = await cu.SignAsync(key, Sha256Hmac, "signed by a majority"u8.ToArray());

        // The two other nodes (the leader among them) die: X is a minority of one.
        await cluster.KillAsync(leader);
        await cluster.KillAsync(6 - leader - alone);

        // Crypto with existing keys is served from X's own replica.
        Assert.Equal(mac, await cu.SignAsync(key, Sha256Hmac, "signed by a majority"u8.ToArray()));
        Assert.True(await cu.VerifyAsync(key, Sha256Hmac, "signed by a majority"u8.ToArray(), mac));
        var second = await cu.SignAsync(key, Sha256Hmac, "signed by a minority"u8.ToArray());
        Assert.NotEqual(mac, second);

        // Changes are refused, by name, once the node's wait for a majority and the client's retries are over.
        var clock = Stopwatch.StartNew();
        var keyGeneration = Assert.ThrowsAsync<HsmClientException>(() => cu.GenerateKeyAsync(AesKeyType, 32));
        var userCreation = Assert.ThrowsAsync<HsmClientException>(() => co.CreateUserAsync(UserType.Cu, "minorityuser", "Minority-User-2024!"));
        Assert.Equal("RET_CLUSTER_NO_QUORUM", (await keyGeneration).ErrorName);
        Assert.Equal("RET_CLUSTER_NO_QUORUM", (await userCreation).ErrorName);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"the refusal took {clock.Elapsed}");
        // Still signing after the refusals.
        Assert.Equal(second, await cu.SignAsync(key, Sha256Hmac, "signed by a minority"u8.ToArray()));

        // A majority again (one node back): the same client's writes go through.
        await cluster.RestartAsync(leader);
        cu.RetryWindow = TimeSpan.FromSeconds(60);
        var after = await cu.GenerateKeyAsync(AesKeyType, 32);
        Assert.Contains(await cu.FindKeysAsync(new FindKeysRequest()), k => k.Handle == after);
    }
}
