using System.Diagnostics;
using System.Text.Json;
using CloudHsm.Client;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Cluster;

/// <summary>Real node processes: a node that was frozen, or lost its data directory, catches up by itself.</summary>
public sealed class ClusterSelfHealingTests
{
    private const ulong AesKeyType = 0x1F;

    private static HsmClient CuClient(TestCluster cluster, params int[] nodes)
    {
        var config = ClientConfig.Load(Path.Combine(cluster.Directory, "client.json")) with
        {
            Nodes = [.. nodes.Select(n => $"127.0.0.1:{cluster.Port(n)}")],
            Wire = null,
        };
        return new HsmClient(config, startNode: 0);
    }

    private static async Task<HsmClient> LoggedInCuAsync(TestCluster cluster, params int[] nodes)
    {
        var client = CuClient(cluster, nodes);
        var (name, password) = cluster.Credentials("CU");
        await client.LoginAsync(UserType.Cu, name, password);
        return client;
    }

    /// <summary>Polls `cluster info` (through <paramref name="via"/>) until node <paramref name="node"/> is healthy and has applied the leader's commit index.</summary>
    private static async Task<JsonElement> AwaitCaughtUpAsync(TestCluster cluster, int node, int via, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement info = default;
        while (DateTime.UtcNow < deadline)
        {
            info = await cluster.InfoAsync(cluster.EnvFor(via));
            var row = cluster.NodeRow(info, node);
            var leader = info.GetProperty("nodes").EnumerateArray().FirstOrDefault(n => n.GetProperty("role").GetString() == "leader");
            if (leader.ValueKind == JsonValueKind.Object && row.GetProperty("healthy").GetBoolean()
                && row.GetProperty("appliedIndex").GetInt64() >= leader.GetProperty("commitIndex").GetInt64())
            {
                return info;
            }
            await Task.Delay(500);
        }
        Assert.Fail($"node {node} did not catch up within {timeout.TotalSeconds:0} s:\n{info}\n{cluster.NodeLogs}");
        return info;
    }

    [Fact]
    public async Task AFollowerFrozenWithSigstopWhileWritesGoOnCatchesUpAfterSigcont()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        var frozen = leader % 3 + 1;
        var other = 6 - leader - frozen;
        using var writer = await LoggedInCuAsync(cluster, leader, other);

        await cluster.FreezeAsync(frozen, stop: true);
        var frozenFor = Stopwatch.StartNew();
        var handles = new List<ulong>();
        // Writes go on through the two others (a majority) while the follower is frozen, for at least 5 s.
        while (handles.Count < 15 || frozenFor.Elapsed < TimeSpan.FromSeconds(5)) handles.Add(await writer.GenerateKeyAsync(AesKeyType, 32));
        var behind = (await cluster.InfoAsync(cluster.EnvFor(leader))).GetProperty("nodes").EnumerateArray()
            .First(n => n.GetProperty("role").GetString() == "leader").GetProperty("commitIndex").GetInt64();
        await cluster.FreezeAsync(frozen, stop: false);

        var info = await AwaitCaughtUpAsync(cluster, frozen, via: other, TimeSpan.FromSeconds(60));
        Assert.True(cluster.NodeRow(info, frozen).GetProperty("appliedIndex").GetInt64() >= behind, info.ToString());
        var verified = await cluster.AwaitInSyncAsync();
        Assert.True(verified.ExitCode == 0, $"{verified}\n{cluster.NodeLogs}");
        using var reader = await LoggedInCuAsync(cluster, frozen);
        var onFrozen = (await reader.FindKeysAsync(new FindKeysRequest())).Select(k => k.Handle).ToHashSet();
        Assert.All(handles, h => Assert.Contains(h, onFrozen));
    }

    [Fact]
    public async Task ANodeWhoseDataDirectoryIsWipedIsReplacedAndCatchesUpFromASnapshot()
    {
        // Small snapshots: the partition is snapshotted many times while the keys are made.
        await using var cluster = await TestCluster.StartAsync(nodeArguments: ["--snapshot-bytes", "4096"]);
        var leader = await cluster.LeaderAsync();
        var victim = leader % 3 + 1;
        var survivor = 6 - leader - victim;
        var handles = new List<ulong>();
        using (var writer = await LoggedInCuAsync(cluster, leader, survivor))
        {
            for (var i = 0; i < 30; i++) handles.Add(await writer.GenerateKeyAsync(AesKeyType, 32));
        }
        var oldId = cluster.NodeRow(await cluster.InfoAsync(), victim).GetProperty("id").GetString()!;
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(cluster.DataDirectory(leader), "raft", "snapshots")));

        // The node dies and its disk is lost; the CO takes the dead node out, then admits a fresh one on the same address.
        await cluster.KillAsync(victim);
        Directory.Delete(cluster.DataDirectory(victim), recursive: true);
        var co = cluster.EnvFor(leader);
        (await CliRunner.RunAsync(["cluster", "remove-node", "--node-id", oldId], co)).ShouldSucceed();
        using (var writer = await LoggedInCuAsync(cluster, leader, survivor))
        {
            for (var i = 0; i < 5; i++) handles.Add(await writer.GenerateKeyAsync(AesKeyType, 32));
        }
        var port = cluster.Port(victim);
        var request = Path.Combine(cluster.Directory, "replacement.request.json");
        var admission = Path.Combine(cluster.Directory, "replacement.admission.json");
        (await CliRunner.RunAsync(["node", "request", "--data", cluster.DataDirectory(victim), "--listen", $"127.0.0.1:{port}",
            "--cluster-listen", $"127.0.0.1:{port + 2}", "--out", request])).ShouldSucceed();
        (await CliRunner.RunAsync(["cluster", "add-node", "--request", request, "--out", admission], co)).ShouldSucceed();
        await cluster.StartNodeAsync(victim, "--join", admission);

        var info = await AwaitCaughtUpAsync(cluster, victim, via: leader, TimeSpan.FromSeconds(60));
        var row = cluster.NodeRow(info, victim);
        Assert.NotEqual(oldId, row.GetProperty("id").GetString());
        Assert.DoesNotContain(info.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("id").GetString() == oldId);
        // It was brought up to date by a snapshot from the leader, not by replaying the log from the start.
        Assert.True(row.GetProperty("installedSnapshotIndex").GetInt64() > 0, $"no snapshot installed on the new node:\n{info}\n{cluster.NodeLogs}");
        var verified = await cluster.AwaitInSyncAsync();
        Assert.True(verified.ExitCode == 0, $"{verified}\n{cluster.NodeLogs}");
        using var reader = await LoggedInCuAsync(cluster, victim);
        var onNew = (await reader.FindKeysAsync(new FindKeysRequest())).Select(k => k.Handle).ToHashSet();
        Assert.All(handles, h => Assert.Contains(h, onNew));
    }
}
