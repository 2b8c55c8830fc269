using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace CloudHsm.IntegrationTests.Harness;

/// <summary>
/// Three (or more) real node processes made by `cloudhsm dev up --nodes N` on loopback (node i: gRPC port
/// base + 10(i-1), wire + 1, cluster + 2), with the CLI's client.json and credentials. Nodes can be killed with
/// SIGKILL and started again on the same data directory and ports.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly Process _dev;
    private readonly StringBuilder _output = new();
    private readonly Dictionary<int, NodeProcess> _restarted = [];

    private TestCluster(string directory, int basePort, int nodes, Process dev)
    {
        Directory = directory;
        BasePort = basePort;
        Nodes = nodes;
        _dev = dev;
    }

    public string Directory { get; }
    public int BasePort { get; }
    public int Nodes { get; }

    /// <summary>CLOUDHSM_CONFIG (all nodes) and CLOUDHSM_CREDENTIALS for CLI calls.</summary>
    public Dictionary<string, string?> Env => new()
    {
        ["CLOUDHSM_CONFIG"] = Path.Combine(Directory, "client.json"),
        ["CLOUDHSM_CREDENTIALS"] = Path.Combine(Directory, "credentials.json"),
    };

    public int Port(int node) => BasePort + 10 * (node - 1);

    public string DataDirectory(int node) => Path.Combine(Directory, $"node{node}");

    public static async Task<TestCluster> StartAsync(int nodes = 3)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("cloudhsm-it-cluster-").FullName;
        var port = FreeBasePort(nodes);
        var dev = Process.Start(CliRunner.StartInfo(["dev", "up", "--nodes", nodes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", dir, "--port",
            port.ToString(System.Globalization.CultureInfo.InvariantCulture)], workingDirectory: dir))!;
        var cluster = new TestCluster(dir, port, nodes, dev);
        dev.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (cluster._output) cluster._output.AppendLine(e.Data); };
        dev.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (cluster._output) cluster._output.AppendLine(e.Data); };
        dev.BeginOutputReadLine();
        dev.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(240);
        while (!cluster.Output.Contains("Press Ctrl+C", StringComparison.Ordinal))
        {
            if (dev.HasExited || DateTime.UtcNow > deadline)
            {
                var why = cluster.Output;
                await cluster.DisposeAsync();
                throw new InvalidOperationException($"dev up did not get ready:\n{why}");
            }
            await Task.Delay(250);
        }
        return cluster;
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>A client.json naming only one node (to make a call land there).</summary>
    public string ConfigFor(int node)
    {
        var path = Path.Combine(Directory, $"client-node{node}.json");
        using var all = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, "client.json")));
        var config = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(all.RootElement.GetRawText())!;
        config["nodes"] = JsonSerializer.SerializeToElement(new[] { $"127.0.0.1:{Port(node)}" });
        config.Remove("wire");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }

    public Dictionary<string, string?> EnvFor(int node)
    {
        var env = Env;
        env["CLOUDHSM_CONFIG"] = ConfigFor(node);
        return env;
    }

    /// <summary>SIGKILL of a node's process, wherever it was started from.</summary>
    public async Task KillAsync(int node)
    {
        if (_restarted.Remove(node, out var process))
        {
            await process.KillAsync();
            await process.DisposeAsync();
            return;
        }
        using var pkill = Process.Start("pkill", ["-9", "-f", "--", $"--data {DataDirectory(node)} "])!;
        await pkill.WaitForExitAsync();
        await Task.Delay(300);
    }

    /// <summary>Starts a node again on its data directory and ports (as a member: no --join).</summary>
    public async Task RestartAsync(int node)
    {
        var port = Port(node);
        _restarted[node] = await NodeProcess.StartOnAsync(DataDirectory(node), port, port + 1, "--cluster-listen", $"127.0.0.1:{port + 2}");
    }

    /// <summary>The number (1..N) of the node that is leader now (from `cluster info`'s table: NODE ENDPOINT ROLE ...).</summary>
    public async Task<int> LeaderAsync()
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var info = await CliRunner.RunAsync(["cluster", "info"], Env);
            foreach (var line in info.Stdout.Split('\n'))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length > 2 && columns[2] == "leader" && columns[1].StartsWith("127.0.0.1:", StringComparison.Ordinal))
                {
                    return (int.Parse(columns[1]["127.0.0.1:".Length..], System.Globalization.CultureInfo.InvariantCulture) - BasePort) / 10 + 1;
                }
            }
            await Task.Delay(500);
        }
        throw new TimeoutException("No leader.");
    }

    /// <summary>`cluster verify` until it reports every node in sync (replicas apply asynchronously), or its last answer.</summary>
    public async Task<CliResult> AwaitInSyncAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var result = await CliRunner.RunAsync(["cluster", "verify"], Env);
            if (result.ExitCode == 0 || DateTime.UtcNow > deadline) return result;
            await Task.Delay(500);
        }
    }

    private static int FreeBasePort(int nodes)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var candidate = Random.Shared.Next(20_000, 60_000) / 10 * 10;
            if (Enumerable.Range(0, nodes * 10).All(offset => IsFree(candidate + offset))) return candidate;
        }
        throw new InvalidOperationException("No free port range.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _restarted.Values) await node.DisposeAsync();
        if (!_dev.HasExited) _dev.Kill(entireProcessTree: true);
        await _dev.WaitForExitAsync();
        for (var node = 1; node <= Nodes; node++)
        {
            using var pkill = Process.Start("pkill", ["-9", "-f", "--", $"--data {DataDirectory(node)} "])!;
            await pkill.WaitForExitAsync();
        }
        _dev.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
