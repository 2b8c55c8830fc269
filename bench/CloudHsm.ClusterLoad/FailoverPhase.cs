using System.Diagnostics;
using CloudHsm.Client;
using CloudHsm.Protocol.V1;

namespace CloudHsm.ClusterLoad;

/// <summary>
/// Failover: one client writes keys in a loop (configuration listing every node, started on the
/// leader or a follower); the leader's process is killed (SIGKILL); measured is the time from the
/// kill to the next successful write. Two readings: the write that was in flight (or the first to
/// complete after the kill) and the first write begun after the kill. The killed node is then
/// restarted and the time until the cluster is in sync again is noted. Repeated --failovers times.
/// </summary>
internal sealed class FailoverPhase(DevDirectory dev, IReadOnlyList<NodeProcess> nodes, LoadOptions options, Report report)
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(180);

    private sealed record Write(long Start, long End, bool Ok, string? Error);

    public async Task RunAsync()
    {
        Console.WriteLine($"| setup | trial | client on | killed | first write done after kill ms | first write begun after kill, done ms | failed writes | restarted node in sync s |");
        Console.WriteLine("|---|---:|---|---|---:|---:|---:|---:|");
        var firstDone = new List<double>();
        var nextDone = new List<double>();
        for (var trial = 1; trial <= options.Failovers; trial++)
        {
            var info = await ClusterView.WaitAsync(dev.Config, i => ClusterView.Settled(i, nodes.Count), SettleTimeout, "the cluster did not settle");
            var leader = ClusterView.Leader(info)!;
            var victim = nodes.Single(n => n.Endpoint == leader.Endpoint);
            var home = options.ClientOn == "leader" ? leader.Endpoint : info.Nodes.First(n => n.Id != leader.Id).Endpoint;
            using var client = await dev.LoginAsync(UserType.Cu, ClusterView.IndexOf(dev.Config, home));
            for (var i = 0; i < 5; i++) await Writes.CreateKeyAsync(client);

            var writes = new List<Write>();
            using var stop = new CancellationTokenSource();
            var loop = Task.Run(() => WriteLoopAsync(client, writes, stop.Token));
            await Task.Delay(1000);
            var killed = Stopwatch.GetTimestamp();
            victim.Kill();
            var deadline = Stopwatch.StartNew();
            while (!Snapshot(writes).Any(w => w.Ok && w.Start >= killed) && deadline.Elapsed < TimeSpan.FromSeconds(120)) await Task.Delay(20);
            await stop.CancelAsync();
            await loop;

            var all = Snapshot(writes);
            double Ms(long end) => Stopwatch.GetElapsedTime(killed, end).TotalMilliseconds;
            var done = all.Where(w => w.Ok && w.End >= killed).Select(w => Ms(w.End)).DefaultIfEmpty(double.NaN).Min();
            var next = all.Where(w => w.Ok && w.Start >= killed).Select(w => Ms(w.End)).DefaultIfEmpty(double.NaN).Min();
            var failed = all.Where(w => !w.Ok && w.End >= killed).ToList();
            firstDone.Add(done);
            nextDone.Add(next);

            var restarted = Stopwatch.StartNew();
            victim.Start();
            await ClusterView.WaitAsync(dev.Config, i => ClusterView.Settled(i, nodes.Count), SettleTimeout, "the restarted node did not catch up");
            var rejoin = restarted.Elapsed.TotalSeconds;
            report.Line(
                $"| {options.Name} | {trial} | {options.ClientOn} | node {victim.Number} | {Report.Ms(done)} | {Report.Ms(next)} | {failed.Count}{(failed.Count > 0 ? " (" + string.Join(", ", failed.Select(f => f.Error).Distinct()) + ")" : "")} | {rejoin:0.0} |",
                new Dictionary<string, object?>
                {
                    ["phase"] = "failover", ["setup"] = options.Name, ["trial"] = trial, ["client_on"] = options.ClientOn, ["killed_node"] = victim.Number,
                    ["first_done_after_kill_ms"] = done, ["first_begun_after_kill_done_ms"] = next, ["failed_writes"] = failed.Count,
                    ["failures"] = failed.Select(f => f.Error).Distinct().ToArray(), ["restart_in_sync_s"] = rejoin, ["term_before"] = leader.Term,
                });
        }
        Summary("first write done after kill", firstDone);
        Summary("first write begun after kill", nextDone);
    }

    private void Summary(string what, List<double> values)
    {
        var sorted = Stats.Sorted(values.Where(v => !double.IsNaN(v)));
        if (sorted.Length == 0) return;
        report.Line(
            $"{options.Name}, {what}: min {Report.Ms(sorted[0])} ms, median {Report.Ms(Stats.Percentile(sorted, 0.5))} ms, max {Report.Ms(sorted[^1])} ms ({sorted.Length} kills)",
            new Dictionary<string, object?>
            {
                ["phase"] = "failover-summary", ["setup"] = options.Name, ["what"] = what, ["client_on"] = options.ClientOn,
                ["min_ms"] = sorted[0], ["median_ms"] = Stats.Percentile(sorted, 0.5), ["max_ms"] = sorted[^1], ["kills"] = sorted.Length,
            });
    }

    private static List<Write> Snapshot(List<Write> writes)
    {
        lock (writes) return [.. writes];
    }

    private static async Task WriteLoopAsync(HsmClient client, List<Write> writes, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var start = Stopwatch.GetTimestamp();
            Write result;
            try
            {
                await Writes.CreateKeyAsync(client);
                result = new Write(start, Stopwatch.GetTimestamp(), true, null);
            }
            catch (HsmClientException e)
            {
                result = new Write(start, Stopwatch.GetTimestamp(), false, $"{e.ErrorName}: {e.Message}");
            }
            lock (writes) writes.Add(result);
        }
    }
}
