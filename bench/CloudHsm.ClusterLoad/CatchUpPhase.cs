using System.Diagnostics;
using CloudHsm.Client;
using CloudHsm.Protocol.V1;

namespace CloudHsm.ClusterLoad;

/// <summary>
/// Catch-up of a replaced node: the partition is filled with --catchup-keys keys (four clients on the
/// leader; that rate is reported too), a follower is killed, its data directory wiped and the node
/// removed (RemoveNode); then `node request`, AddNode and a start with --join on the same addresses.
/// Measured from that start: the node healthy, its applied index at the leader's commit index, and
/// `verify` in sync. Whether it was given a snapshot is read from its raft/snapshots directory.
/// </summary>
internal sealed class CatchUpPhase(DevDirectory dev, IReadOnlyList<NodeProcess> nodes, LoadOptions options, Report report)
{
    private const int FillClients = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public async Task RunAsync()
    {
        var info = await ClusterView.WaitAsync(dev.Config, i => ClusterView.Settled(i, nodes.Count), Timeout, "the cluster did not settle");
        var leader = ClusterView.Leader(info)!;
        var leaderIndex = ClusterView.IndexOf(dev.Config, leader.Endpoint);
        await FillAsync(leaderIndex);

        info = await ClusterView.WaitAsync(dev.Config, i => ClusterView.Settled(i, nodes.Count), Timeout, "the cluster did not settle after the fill");
        leader = ClusterView.Leader(info)!;
        leaderIndex = ClusterView.IndexOf(dev.Config, leader.Endpoint);
        var victimRow = info.Nodes.Where(n => n.Id != leader.Id).OrderByDescending(n => n.Endpoint, StringComparer.Ordinal).First();
        var victim = nodes.Single(n => n.Endpoint == victimRow.Endpoint);
        using var co = await dev.LoginAsync(UserType.Co, leaderIndex);
        var keys = (await co.GetPartitionInfoAsync()).Keys;

        victim.Kill();
        Directory.Delete(victim.DataDirectory, recursive: true);
        await co.RemoveNodeAsync(victimRow.Id);
        await ClusterView.WaitAsync(dev.Config, i => i.Nodes.All(n => n.Id != victimRow.Id), Timeout, "the removed node is still listed");
        // The leader takes it out of the Raft membership in its next round (every second).
        await Task.Delay(3000);
        var request = await victim.RequestAsync();
        var admission = await co.AddNodeAsync(request);
        var admissionPath = Path.Combine(options.Dir, $"node{victim.Number}.admission.json");
        File.WriteAllText(admissionPath, admission.Admission);
        File.SetUnixFileMode(admissionPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var clock = Stopwatch.StartNew();
        victim.Start(admissionPath);
        double healthy = double.NaN;
        ClusterNode? last = null;
        long leaderCommit = 0;
        await ClusterView.WaitAsync(dev.Config with { Nodes = [dev.Config.Nodes[leaderIndex]] }, i =>
        {
            last = i.Nodes.FirstOrDefault(n => n.Id == admission.NodeId);
            leaderCommit = ClusterView.Leader(i)?.CommitIndex ?? 0;
            if (last is null || !last.Healthy) return false;
            if (double.IsNaN(healthy)) healthy = clock.Elapsed.TotalSeconds;
            return leaderCommit > 0 && last.AppliedIndex >= leaderCommit;
        }, Timeout, "the new node did not catch up", pollMilliseconds: 100);
        var caughtUp = clock.Elapsed.TotalSeconds;
        var snapshotsAtCatchUp = Files(Path.Combine(victim.DataDirectory, "raft", "snapshots"));
        var verify = await co.VerifyClusterAsync();
        var verified = clock.Elapsed.TotalSeconds;
        File.Delete(admissionPath);

        var leaderProcess = nodes.Single(n => n.Endpoint == leader.Endpoint);
        var leaderSnapshots = Files(Path.Combine(leaderProcess.DataDirectory, "raft", "snapshots"));
        report.Line(
            $"{options.Name}: node {victim.Number} replaced ({keys:N0} keys, leader commit index {leaderCommit:N0}): healthy after {healthy:0.0} s, "
            + $"applied index = leader's commit index after {caughtUp:0.0} s, verify {(verify.InSync ? "in sync" : "NOT in sync")} after {verified:0.0} s; "
            + $"new node's snapshots: {Describe(snapshotsAtCatchUp)}; leader's snapshots: {Describe(leaderSnapshots)}; "
            + $"raft directory: new node {Size(Path.Combine(victim.DataDirectory, "raft")):N0} bytes, leader {Size(Path.Combine(leaderProcess.DataDirectory, "raft")):N0} bytes",
            new Dictionary<string, object?>
            {
                ["phase"] = "catchup", ["setup"] = options.Name, ["keys"] = keys, ["leader_commit_index"] = leaderCommit,
                ["healthy_s"] = healthy, ["caught_up_s"] = caughtUp, ["verified_s"] = verified, ["in_sync"] = verify.InSync,
                ["differences"] = verify.Differences.ToArray(), ["new_node_snapshots"] = snapshotsAtCatchUp, ["leader_snapshots"] = leaderSnapshots,
            });
    }

    /// <summary>--catchup-keys keys from four clients on the leader; reports rate and latency (snapshots show in the tail).</summary>
    private async Task FillAsync(int leaderIndex)
    {
        if (options.CatchupKeys == 0) return;
        var clients = new List<HsmClient>();
        try
        {
            for (var c = 0; c < FillClients; c++) clients.Add(await dev.LoginAsync(UserType.Cu, leaderIndex));
            var next = 0;
            var latencies = clients.Select(_ => new List<double>()).ToList();
            var completions = clients.Select(_ => new List<double>()).ToList();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                while (Interlocked.Increment(ref next) <= options.CatchupKeys)
                {
                    var start = Stopwatch.GetTimestamp();
                    await Writes.CreateKeyAsync(client);
                    latencies[i].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    completions[i].Add(clock.Elapsed.TotalSeconds);
                }
            }));
            var seconds = clock.Elapsed.TotalSeconds;
            var sorted = Stats.Sorted(latencies.SelectMany(l => l));
            var slow = sorted.Count(x => x > 1000);
            var tenths = RatesByTenth(Stats.Sorted(completions.SelectMany(c => c)));
            report.Line(
                $"{options.Name}: filled {sorted.Length:N0} keys in {seconds:0.0} s ({sorted.Length / seconds:0} keys/s, {FillClients} clients on the leader), "
                + $"p50 {Report.Ms(Stats.Percentile(sorted, 0.5))} ms, p99 {Report.Ms(Stats.Percentile(sorted, 0.99))} ms, max {Report.Ms(sorted[^1])} ms, {slow} writes over 1 s; keys/s by tenth of the fill: {string.Join(", ", tenths.Select(r => r.ToString("0")))}",
                new Dictionary<string, object?>
                {
                    ["phase"] = "fill", ["setup"] = options.Name, ["keys"] = sorted.Length, ["seconds"] = seconds, ["clients"] = FillClients,
                    ["p50_ms"] = Stats.Percentile(sorted, 0.5), ["p99_ms"] = Stats.Percentile(sorted, 0.99), ["max_ms"] = sorted[^1], ["over_1s"] = slow, ["keys_per_s_by_tenth"] = tenths,
                });
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    /// <summary>Keys per second in each tenth of the fill (by completion order): a slowdown as the partition grows shows here.</summary>
    private static double[] RatesByTenth(double[] completionSeconds)
    {
        var n = completionSeconds.Length;
        if (n < 20) return [];
        return [.. Enumerable.Range(0, 10).Select(t =>
        {
            var (first, last) = (t * n / 10, ((t + 1) * n / 10) - 1);
            var from = t == 0 ? 0 : completionSeconds[first - 1];
            return (last - first + 1) / Math.Max(1e-9, completionSeconds[last] - from);
        })];
    }

    private static string[] Files(string dir) => Directory.Exists(dir)
        ? [.. new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Select(f => $"{f.Name} ({f.Length:N0} bytes)")]
        : [];

    private static string Describe(string[] files) => files.Length == 0 ? "none" : string.Join(", ", files);

    private static long Size(string dir) => Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;
}
