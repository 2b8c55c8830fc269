using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Cluster;

/// <summary>`cloudhsm dev up --nodes 3`: three real node processes on loopback, founded, activated and joined by the CLI.</summary>
public sealed class DevUpClusterTests
{
    [Fact]
    public async Task DevUpWithThreeNodesMakesAClusterInSyncThatTheCliAndShellSee()
    {
        var dir = Directory.CreateTempSubdirectory("cloudhsm-it-dev3-").FullName;
        var port = FreeBasePort();
        var output = new StringBuilder();
        using var dev = Process.Start(CliRunner.StartInfo(["dev", "up", "--nodes", "3", "--dir", dir, "--port", port.ToString()], workingDirectory: dir))!;
        dev.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        dev.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        dev.BeginOutputReadLine();
        dev.BeginErrorReadLine();
        string Output() { lock (output) return output.ToString(); }
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(240);
            while (!Output().Contains("Press Ctrl+C", StringComparison.Ordinal))
            {
                Assert.False(dev.HasExited, $"dev up exited with {(dev.HasExited ? dev.ExitCode : 0)}:\n{Output()}\n{NodeLogs(dir)}");
                Assert.True(DateTime.UtcNow < deadline, $"dev up did not get ready:\n{Output()}\n{NodeLogs(dir)}");
                await Task.Delay(250);
            }
            var env = new Dictionary<string, string?>
            {
                ["CLOUDHSM_CONFIG"] = Path.Combine(dir, "client.json"),
                ["CLOUDHSM_CREDENTIALS"] = Path.Combine(dir, "credentials.json"),
            };

            using (var config = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(dir, "client.json"))))
            {
                Assert.Equal([$"127.0.0.1:{port}", $"127.0.0.1:{port + 10}", $"127.0.0.1:{port + 20}"],
                    config.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()));
                Assert.Equal([$"127.0.0.1:{port + 1}", $"127.0.0.1:{port + 11}", $"127.0.0.1:{port + 21}"],
                    config.RootElement.GetProperty("wire").EnumerateArray().Select(n => n.GetString()));
            }

            var info = (await CliRunner.RunAsync(["cluster", "info", "--json"], env)).ShouldSucceed();
            using (var json = JsonDocument.Parse(info.Stdout))
            {
                var nodes = json.RootElement.GetProperty("nodes").EnumerateArray().ToList();
                Assert.Equal(3, nodes.Count);
                Assert.Single(nodes, n => n.GetProperty("role").GetString() == "leader");
                Assert.Equal(2, nodes.Count(n => n.GetProperty("role").GetString() == "follower"));
                Assert.All(nodes, n => Assert.True(n.GetProperty("healthy").GetBoolean(), info.Stdout));
            }

            // A user made through any node is on every node, identical.
            (await CliRunner.RunAsync(["user", "create", "--type", "CU", "--name", "carol", "--password-stdin"], env, stdin: "Sings-Along-2024!\n")).ShouldSucceed();
            var verified = await AwaitInSyncAsync(env);
            Assert.Contains("in sync", verified.Stdout, StringComparison.Ordinal);

            var coPassword = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(dir, "credentials.json"))).RootElement
                .GetProperty("users").EnumerateArray().First(u => u.GetProperty("type").GetString() == "CO").GetProperty("password").GetString()!;
            var shell = (await CliRunner.RunAsync(["mgmt", "--config", Path.Combine(dir, "client.json"), "singlecmd",
                "loginHSM", "CO", "admin", coPassword, "getUserDiffMap", "syncUser", "carol", "listUsers", "-all-nodes"])).ShouldSucceed();
            Assert.Contains("getUserDiffMap success: no differences", shell.Stdout, StringComparison.Ordinal);
            Assert.Contains("syncUser success: user carol is identical on all 3 nodes", shell.Stdout, StringComparison.Ordinal);
            for (var server = 0; server < 3; server++) Assert.Contains($"Users on server {server}(127.0.0.1:{port + (10 * server)}):", shell.Stdout, StringComparison.Ordinal);
            Assert.Equal(3, UserRows(shell.Stdout, "carol")); // one listUsers row per server
        }
        finally
        {
            if (!dev.HasExited)
            {
                dev.Kill(entireProcessTree: true);
                await dev.WaitForExitAsync();
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>`cluster verify` until it exits 0: a follower may apply the last write a moment after the leader acknowledged it.</summary>
    private static async Task<CliResult> AwaitInSyncAsync(Dictionary<string, string?> env)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var result = await CliRunner.RunAsync(["cluster", "verify"], env);
            if (result.ExitCode == 0 || DateTime.UtcNow > deadline) return result.ShouldSucceed();
            Assert.Equal(3, result.ExitCode); // not in sync (yet), never refused
            await Task.Delay(500);
        }
    }

    private static int UserRows(string stdout, string name) =>
        stdout.Split('\n').Count(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, "CU", var n, ..] && n == name);

    private static string NodeLogs(string dir) => string.Join("\n", Directory.GetFiles(dir, "node*.log").Order()
        .Select(f => $"--- {Path.GetFileName(f)}\n{string.Join('\n', File.ReadLines(f).TakeLast(40))}"));

    /// <summary>A port P with P..P+22 free (three nodes at P, P+10, P+20, each with wire +1 and cluster +2).</summary>
    private static int FreeBasePort()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = NodeProcess.FreePort();
            if (port > 65000) continue;
            if (Enumerable.Range(0, 3).SelectMany(n => new[] { port + (10 * n), port + (10 * n) + 1, port + (10 * n) + 2 }).All(IsFree)) return port;
        }
        throw new InvalidOperationException("no free port range for three nodes");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
