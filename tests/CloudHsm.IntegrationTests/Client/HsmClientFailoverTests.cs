using System.Diagnostics;
using CloudHsm.Client;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.IntegrationTests.Client;

/// <summary>
/// HsmClient against real node processes: failover to the next configured node, a fresh login where the
/// token is not known, retries over an outage, and a bounded wait when nothing answers. One node plays
/// several configured nodes (through a relay, or as a dead port), until the cluster tests can use three.
/// </summary>
public sealed class HsmClientFailoverTests
{
    private const string AlicePassword = "Crypto-User-2024!";
    private const ulong AesKeyType = 0x1F;
    private const ulong Sha256Hmac = 0x251; // CKM_SHA256_HMAC

    private static ClientConfig ConfigWith(TestPartition p, params string[] nodes) => ClientConfig.Load(p.ConfigPath) with { Nodes = nodes };

    private static string DeadEndpoint() => $"127.0.0.1:{NodeProcess.FreePort()}";

    [Fact]
    public async Task ALoggedInClientRidesOutANodeRestart_LogsInAgainAndCarriesOn()
    {
        await using var p = await TestPartition.StartActivatedAsync();
        (await p.AsCoAsync("createUser", "CU", "alice", AlicePassword)).ShouldSucceed();
        using var alice = new HsmClient(ConfigWith(p, p.Node.Endpoint, DeadEndpoint()), startNode: 0);
        await alice.LoginAsync(UserType.Cu, "alice", AlicePassword);
        var key = await alice.GenerateKeyAsync(0x10, 32, [new Protocol.V1.Attribute { Id = 0x03, Value = ByteString.CopyFromUtf8("restart") }]); // generic secret
        var mac = await alice.SignAsync(key, Sha256Hmac, "before"u8.ToArray());

        await p.KillNodeAsync();
        var clock = Stopwatch.StartNew();
        // Both configured nodes are down now: the call keeps trying them, with backoff, within its window.
        var during = alice.SignAsync(key, Sha256Hmac, "before"u8.ToArray());
        await Task.Delay(1500);
        Assert.False(during.IsCompleted, "the call ended while no node was up");
        await p.StartNodeAgainAsync();

        // The restarted node does not know the old token: the client logged in again by itself.
        Assert.Equal(mac, await during);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.5));
        Assert.True(alice.IsLoggedIn);
        Assert.Equal("alice", alice.LoggedInAs);
        Assert.Equal(p.Node.Endpoint, alice.CurrentNode);
        // Writes carry on too.
        var second = await alice.GenerateKeyAsync(AesKeyType, 16);
        Assert.Equal(2, (await alice.FindKeysAsync(new FindKeysRequest())).Count(k => k.Handle == key || k.Handle == second));
    }

    [Fact]
    public async Task AClientWhoseFirstNodeIsDeadFailsOverToTheNextAndLogsInThere()
    {
        await using var p = await TestPartition.StartActivatedAsync();
        (await p.AsCoAsync("createUser", "CU", "alice", AlicePassword)).ShouldSucceed();
        using var alice = new HsmClient(ConfigWith(p, DeadEndpoint(), p.Node.Endpoint), startNode: 0);

        Assert.Equal(PartitionStatus.Active, (await alice.GetPartitionInfoAsync()).Status);
        Assert.Equal(p.Node.Endpoint, alice.CurrentNode);
        await alice.LoginAsync(UserType.Cu, "alice", AlicePassword);
        var key = await alice.GenerateKeyAsync(AesKeyType, 32);
        Assert.Contains(await alice.FindKeysAsync(new FindKeysRequest()), k => k.Handle == key);
    }

    [Fact]
    public async Task AfterAFailoverTheClientLogsInOnTheNewNodeAndItsOldSessionIsClosed()
    {
        await using var p = await TestPartition.StartActivatedAsync();
        (await p.AsCoAsync("createUser", "CU", "alice", AlicePassword)).ShouldSucceed();
        using var relay = new TcpRelay(p.Node.Port);
        // Node 0 is the relay, node 1 the node itself: two addresses, as two nodes would be.
        using var alice = new HsmClient(ConfigWith(p, relay.Endpoint, p.Node.Endpoint), startNode: 0);
        await alice.LoginAsync(UserType.Cu, "alice", AlicePassword);
        var key = await alice.GenerateKeyAsync(AesKeyType, 32);
        var session = await alice.OpenSessionAsync();
        Assert.Equal(relay.Endpoint, alice.CurrentNode);

        relay.Cut();

        // The next call fails over to node 1, logs in there with the held credentials, and succeeds.
        var (ciphertext, iv) = await alice.EncryptAsync(key, 0x1087, "after the failover"u8.ToArray()); // CKM_AES_GCM
        Assert.Equal(p.Node.Endpoint, alice.CurrentNode);
        Assert.Equal("after the failover"u8.ToArray(), await alice.DecryptAsync(key, 0x1087, ciphertext, new CipherParameters { Iv = ByteString.CopyFrom(iv) }));
        Assert.True(alice.IsLoggedIn);
        // A session lives on the node that opened it.
        var closed = await Assert.ThrowsAsync<HsmClientException>(() => alice.GetSessionInfoAsync(session));
        Assert.Equal("RET_SESSION_NOT_FOUND", closed.ErrorName);
        Assert.Contains("closed", closed.Message, StringComparison.Ordinal);
        var fresh = await alice.OpenSessionAsync();
        await alice.GetSessionInfoAsync(fresh);
        await alice.LogoutAsync();
        Assert.False(alice.IsLoggedIn);
    }

    [Fact]
    public async Task WhenNoNodeAnswersTheCallFailsAfterTheRetryWindowAndNotBefore()
    {
        await using var p = await TestPartition.StartAsync();
        using var client = new HsmClient(ConfigWith(p, DeadEndpoint(), DeadEndpoint())) { RetryWindow = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<HsmClientException>(() => client.GetPartitionInfoAsync());
        Assert.Equal("RET_NODE_UNAVAILABLE", refused.ErrorName);
        Assert.True(refused.IsTransient);
        // Not before the window (less the clocks' rounding: the deadline is wall-clock time), and not forever.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(20));
    }
}
