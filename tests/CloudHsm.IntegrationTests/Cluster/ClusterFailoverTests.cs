using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Cluster;

/// <summary>Real node processes: what survives a killed leader and a full restart.</summary>
public sealed class ClusterFailoverTests
{
    [Fact]
    public async Task KillingTheLeaderUnderWritesLosesNoAcknowledgedKeyAndTheClientCarriesOn()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        var follower = leader % 3 + 1;
        var env = cluster.EnvFor(follower);
        var acknowledged = new List<string>();
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested && i < 40; i++)
            {
                var result = await CliRunner.RunAsync(["key", "gen", "--type", "aes", "--label", $"loop-{i}"], env);
                if (result.ExitCode == 0) acknowledged.Add(result.Stdout.Trim().Split(' ')[^1]);
            }
        });
        while (acknowledged.Count < 3) await Task.Delay(100);
        await cluster.KillAsync(leader);
        await writer;

        Assert.True(acknowledged.Count >= 20, $"the client stopped after the failover: {acknowledged.Count} writes acknowledged");
        await cluster.RestartAsync(leader);
        var verified = await cluster.AwaitInSyncAsync();
        Assert.True(verified.ExitCode == 0, verified.Stdout + verified.Stderr);
        for (var node = 1; node <= 3; node++)
        {
            var keys = (await CliRunner.RunAsync(["key", "list"], cluster.EnvFor(node))).ShouldSucceed().Stdout;
            Assert.All(acknowledged, handle => Assert.Contains(handle, keys, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AFullClusterRestartRecoversEveryUserAndKey()
    {
        await using var cluster = await TestCluster.StartAsync();
        var handle = (await CliRunner.RunAsync(["key", "gen", "--type", "aes", "--label", "before-restart"], cluster.Env)).ShouldSucceed().Stdout.Trim().Split(' ')[^1];
        for (var node = 1; node <= 3; node++) await cluster.KillAsync(node);
        for (var node = 1; node <= 3; node++) await cluster.RestartAsync(node);

        await cluster.LeaderAsync();
        var verified = await cluster.AwaitInSyncAsync();
        Assert.True(verified.ExitCode == 0, verified.Stdout + verified.Stderr);
        for (var node = 1; node <= 3; node++)
        {
            Assert.Contains(handle, (await CliRunner.RunAsync(["key", "list"], cluster.EnvFor(node))).ShouldSucceed().Stdout, StringComparison.Ordinal);
        }
    }
}
