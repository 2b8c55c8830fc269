using System.Text.Json;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Cluster;

/// <summary>`cloudhsm dev up --nodes 3`: three real node processes on loopback, founded, activated and joined by the CLI.</summary>
public sealed class DevUpClusterTests
{
    [Fact]
    public async Task DevUpWithThreeNodesMakesAClusterInSyncThatTheCliAndShellSee()
    {
        await using var cluster = await TestCluster.StartAsync(keepDevUp: true);
        var port = cluster.BasePort;
        var env = cluster.Env;

        using (var config = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(cluster.Directory, "client.json"))))
        {
            Assert.Equal([$"127.0.0.1:{port}", $"127.0.0.1:{port + 10}", $"127.0.0.1:{port + 20}"],
                config.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()));
            Assert.Equal([$"127.0.0.1:{port + 1}", $"127.0.0.1:{port + 11}", $"127.0.0.1:{port + 21}"],
                config.RootElement.GetProperty("wire").EnumerateArray().Select(n => n.GetString()));
        }

        var info = await cluster.InfoAsync();
        var nodes = info.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(3, nodes.Count);
        Assert.Single(nodes, n => n.GetProperty("role").GetString() == "leader");
        Assert.Equal(2, nodes.Count(n => n.GetProperty("role").GetString() == "follower"));
        Assert.All(nodes, n => Assert.True(n.GetProperty("healthy").GetBoolean(), info.ToString()));

        // A user made through any node is on every node, identical.
        (await CliRunner.RunAsync(["user", "create", "--type", "CU", "--name", "carol", "--password-stdin"], env, stdin: "Sings-Along-2024!\n")).ShouldSucceed();
        var verified = await cluster.AwaitInSyncAsync(TimeSpan.FromSeconds(30));
        Assert.True(verified.ExitCode == 0, $"{verified}\n{cluster.NodeLogs}");
        Assert.Contains("in sync", verified.Stdout, StringComparison.Ordinal);

        var (coName, coPassword) = cluster.Credentials("CO");
        var shell = (await CliRunner.RunAsync(["mgmt", "--config", Path.Combine(cluster.Directory, "client.json"), "singlecmd",
            "loginHSM", "CO", coName, coPassword, "getUserDiffMap", "syncUser", "carol", "listUsers", "-all-nodes"])).ShouldSucceed();
        Assert.True(shell.Stdout.Contains("getUserDiffMap success: no differences", StringComparison.Ordinal), $"{shell}\n{cluster.NodeLogs}");
        Assert.Contains("syncUser success: user carol is identical on all 3 nodes", shell.Stdout, StringComparison.Ordinal);
        for (var server = 0; server < 3; server++) Assert.Contains($"Users on server {server}(127.0.0.1:{port + (10 * server)}):", shell.Stdout, StringComparison.Ordinal);
        Assert.Equal(3, UserRows(shell.Stdout, "carol")); // one listUsers row per server
    }

    private static int UserRows(string stdout, string name) =>
        stdout.Split('\n').Count(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, "CU", var n, ..] && n == name);
}
