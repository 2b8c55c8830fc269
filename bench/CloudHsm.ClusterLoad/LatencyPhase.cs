using System.Diagnostics;
using CloudHsm.Client;
using CloudHsm.Protocol.V1;

namespace CloudHsm.ClusterLoad;

/// <summary>
/// Write latency and throughput: C clients at once (each its own HsmClient and login, all started on
/// the target node), each making N keys (as the CU) or N users (as the CO) one after another. The
/// clock runs from the moment all clients are logged in and warmed up (a few writes each, not
/// counted) to the last answer. Users made here are deleted afterwards (not timed).
/// </summary>
internal sealed class LatencyPhase(DevDirectory dev, LoadOptions options, Report report)
{
    private const int WarmupWrites = 3;
    private static int s_userSerial;

    public async Task RunAsync()
    {
        Console.WriteLine($"| setup | target | op | clients | writes | p50 ms | p99 ms | max ms | writes/s |");
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var target in options.Targets)
        {
            var (node, endpoint) = await TargetAsync(target);
            foreach (var clients in options.Clients)
            {
                if (options.Keys > 0) await MeasureAsync(target, node, endpoint, "key", clients, options.Keys);
                if (options.Users > 0) await MeasureAsync(target, node, endpoint, "user", clients, options.Users);
            }
        }
    }

    /// <summary>The configuration index and endpoint of the target (null: the client's own choice, for "any").</summary>
    private async Task<(int? Node, string Endpoint)> TargetAsync(string target)
    {
        if (target == "any") return (null, "any");
        var info = await ClusterView.WaitAsync(dev.Config, i => ClusterView.Leader(i) is not null, TimeSpan.FromSeconds(60), "no leader");
        var chosen = target == "leader"
            ? ClusterView.Leader(info)!
            : info.Nodes.FirstOrDefault(n => n.Id != info.Leader && dev.Config.Nodes.Contains(n.Endpoint))
              ?? throw new InvalidOperationException("No follower to send to.");
        return (ClusterView.IndexOf(dev.Config, chosen.Endpoint), chosen.Endpoint);
    }

    private async Task MeasureAsync(string target, int? node, string endpoint, string op, int clientCount, int writes)
    {
        var type = op == "key" ? UserType.Cu : UserType.Co;
        var clients = new List<HsmClient>();
        var created = new List<string>();
        try
        {
            for (var c = 0; c < clientCount; c++) clients.Add(await dev.LoginAsync(type, node));
            await Task.WhenAll(clients.Select(c => WriteAsync(c, op, WarmupWrites, created, latencies: null)));
            var latencies = clients.Select(_ => new List<double>(writes)).ToList();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(clients.Select((c, i) => WriteAsync(c, op, writes, created, latencies[i])));
            var seconds = clock.Elapsed.TotalSeconds;
            var moved = clients.Count(c => node is not null && c.CurrentNode != endpoint);
            var sorted = Stats.Sorted(latencies.SelectMany(l => l));
            var (p50, p99, max) = (Stats.Percentile(sorted, 0.50), Stats.Percentile(sorted, 0.99), sorted[^1]);
            var rate = sorted.Length / seconds;
            report.Line(
                $"| {options.Name} | {target}{(moved > 0 ? $" ({moved} clients moved)" : "")} | {op} | {clientCount} | {sorted.Length} | {Report.Ms(p50)} | {Report.Ms(p99)} | {Report.Ms(max)} | {rate:0.0} |",
                new Dictionary<string, object?>
                {
                    ["phase"] = "latency", ["setup"] = options.Name, ["target"] = target, ["endpoint"] = endpoint, ["op"] = op,
                    ["clients"] = clientCount, ["writes"] = sorted.Length, ["p50_ms"] = p50, ["p99_ms"] = p99, ["max_ms"] = max,
                    ["mean_ms"] = sorted.Average(), ["writes_per_s"] = rate, ["seconds"] = seconds, ["clients_moved"] = moved,
                });
        }
        finally
        {
            if (created.Count > 0) await DeleteUsersAsync(clients[0], created);
            foreach (var c in clients) c.Dispose();
        }
    }

    private static async Task WriteAsync(HsmClient client, string op, int count, List<string> created, List<double>? latencies)
    {
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            if (op == "key")
            {
                await Writes.CreateKeyAsync(client);
            }
            else
            {
                var name = $"bench_{Environment.ProcessId}_{Interlocked.Increment(ref s_userSerial)}";
                await Writes.CreateUserAsync(client, name);
                lock (created) created.Add(name);
            }
            latencies?.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }

    private static async Task DeleteUsersAsync(HsmClient co, List<string> names)
    {
        foreach (var name in names) await co.DeleteUserAsync(UserType.Cu, name);
    }
}
