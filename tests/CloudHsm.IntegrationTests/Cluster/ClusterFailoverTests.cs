using System.Text;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Cluster;

/// <summary>Real node processes: what survives a killed leader and a full restart.</summary>
public sealed class ClusterFailoverTests
{
    private const int WritesAfterTheKill = 6;

    /// <summary>One CLI write of the loop: what it made, whether it began after the leader was killed, and its result.</summary>
    private sealed record Write(string Kind, string Name, bool AfterKill, CliResult Result)
    {
        public bool Acknowledged => Result.ExitCode == 0;
        public string Handle => Result.Stdout.Trim().Split(' ')[^1];
    }

    [Fact]
    public async Task KillingTheLeaderUnderWritesLosesNoAcknowledgedKeyAndTheClientCarriesOn()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        var follower = leader % 3 + 1;
        var env = cluster.EnvFor(follower);
        var writes = new List<Write>();
        var killed = false;

        async Task WriteAsync(int i)
        {
            var afterKill = Volatile.Read(ref killed);
            // Keys and users: every fourth write makes a user (the CLI logs in as the CO for it, as the CU for keys).
            var write = i % 4 == 3
                ? new Write("user", $"loopuser{i}", afterKill, await CliRunner.RunAsync(["user", "create", "--type", "CU", "--name", $"loopuser{i}", "--password-stdin"],
                    env, stdin: "Loop-User-Password-1!\n"))
                : new Write("key", $"loop-{i}", afterKill, await CliRunner.RunAsync(["key", "gen", "--type", "aes", "--label", $"loop-{i}"], env));
            lock (writes) writes.Add(write);
        }

        var i = 0;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (writes.Count(w => w.Acknowledged) < 3 && DateTime.UtcNow < deadline) await WriteAsync(i++);
        // The next write is in flight while the leader dies.
        var inFlight = WriteAsync(i++);
        await Task.Delay(150);
        await cluster.KillAsync(leader);
        Volatile.Write(ref killed, true);
        await inFlight;
        while (writes.Count(w => w.AfterKill) < WritesAfterTheKill && DateTime.UtcNow < deadline) await WriteAsync(i++);

        // The client carries on: every write, the one in flight at the kill included, is acknowledged (a retried
        // write carries its request id, so it is applied once).
        var failed = writes.Where(w => !w.Acknowledged).ToList();
        Assert.True(failed.Count == 0, Describe(failed, cluster));
        Assert.True(writes.Count(w => w.AfterKill) >= WritesAfterTheKill, $"only {writes.Count(w => w.AfterKill)} writes after the kill before the deadline\n{cluster.NodeLogs}");

        await cluster.RestartAsync(leader);
        var verified = await cluster.AwaitInSyncAsync(TimeSpan.FromSeconds(90));
        Assert.True(verified.ExitCode == 0, $"{verified}\n{cluster.NodeLogs}");
        for (var node = 1; node <= 3; node++)
        {
            var keys = (await CliRunner.RunAsync(["key", "list"], cluster.EnvFor(node))).ShouldSucceed().Stdout;
            var users = (await CliRunner.RunAsync(["user", "list"], cluster.EnvFor(node))).ShouldSucceed().Stdout;
            foreach (var write in writes)
            {
                var (listed, wanted) = write.Kind == "key" ? (keys, write.Handle) : (users, write.Name);
                Assert.True(Words(listed).Contains(wanted), $"{write.Kind} {wanted} ({write.Name}) missing on node {node}:\n{listed}");
            }
        }
    }

    private static HashSet<string> Words(string text) => [.. text.Split([' ', '\t', '\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries)];

    private static string Describe(IEnumerable<Write> failed, TestCluster cluster)
    {
        var text = new StringBuilder("writes that failed:\n");
        foreach (var w in failed) text.AppendLine($"{w.Kind} {w.Name} (after the kill: {w.AfterKill}): {w.Result}");
        return text.Append(cluster.Output).Append(cluster.NodeLogs).ToString();
    }

    [Fact]
    public async Task AFullClusterRestartRecoversEveryUserAndKey()
    {
        await using var cluster = await TestCluster.StartAsync();
        var handle = (await CliRunner.RunAsync(["key", "gen", "--type", "aes", "--label", "before-restart"], cluster.Env)).ShouldSucceed().Stdout.Trim().Split(' ')[^1];
        (await CliRunner.RunAsync(["user", "create", "--type", "CU", "--name", "restarted", "--password-stdin"], cluster.Env, stdin: "Restart-Password-1!\n")).ShouldSucceed();
        for (var node = 1; node <= 3; node++) await cluster.KillAsync(node);
        for (var node = 1; node <= 3; node++) await cluster.RestartAsync(node);

        await cluster.LeaderAsync();
        var verified = await cluster.AwaitInSyncAsync();
        Assert.True(verified.ExitCode == 0, $"{verified}\n{cluster.NodeLogs}");
        for (var node = 1; node <= 3; node++)
        {
            Assert.Contains(handle, (await CliRunner.RunAsync(["key", "list"], cluster.EnvFor(node))).ShouldSucceed().Stdout, StringComparison.Ordinal);
            Assert.Contains("restarted", (await CliRunner.RunAsync(["user", "list"], cluster.EnvFor(node))).ShouldSucceed().Stdout, StringComparison.Ordinal);
        }
    }
}
