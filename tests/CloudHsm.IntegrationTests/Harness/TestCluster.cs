using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CloudHsm.IntegrationTests.Harness;

/// <summary>
/// Three (or more) real node processes on loopback made by `cloudhsm dev up --nodes N` (node i: gRPC port
/// base + 10(i-1), wire + 1, cluster + 2), with the CLI's client.json and credentials.
/// <para>
/// By default the harness then takes the nodes over: it stops `dev up` (SIGTERM: the nodes stop cleanly) and starts
/// every node again itself on the same data directories and ports, with <c>nodeArguments</c> added, so a test can
/// SIGKILL, SIGSTOP, restart or replace one node (dev up ends the whole run when one of its nodes stops). With
/// <c>keepDevUp</c> the nodes stay dev up's own (for tests of dev up itself; nothing can be killed then).
/// </para>
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly Process _dev;
    private readonly StringBuilder _output = new();
    private readonly Dictionary<int, NodeProcess> _nodes = [];
    private readonly IReadOnlyList<string> _nodeArguments;

    private TestCluster(string directory, int basePort, int nodes, Process dev, IReadOnlyList<string> nodeArguments)
    {
        Directory = directory;
        BasePort = basePort;
        Nodes = nodes;
        _dev = dev;
        _nodeArguments = nodeArguments;
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

    /// <summary>dev up's output (and, once taken over, what the harness did).</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>The last lines of every node's log, for assertion messages.</summary>
    public string NodeLogs
    {
        get
        {
            var logs = new StringBuilder();
            for (var node = 1; node <= Nodes; node++)
            {
                var text = _nodes.TryGetValue(node, out var process) ? process.Log
                    : File.Exists(Path.Combine(Directory, $"node{node}.log")) ? File.ReadAllText(Path.Combine(Directory, $"node{node}.log")) : "";
                logs.AppendLine(CultureInfo.InvariantCulture, $"--- node {node}");
                foreach (var line in text.Split('\n').TakeLast(25)) logs.AppendLine(line.TrimEnd('\r'));
            }
            return logs.ToString();
        }
    }

    public static async Task<TestCluster> StartAsync(int nodes = 3, IReadOnlyList<string>? nodeArguments = null, bool keepDevUp = false)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("cloudhsm-it-cluster-").FullName;
        var port = FreeBasePort(nodes);
        var dev = Process.Start(CliRunner.StartInfo(["dev", "up", "--nodes", nodes.ToString(CultureInfo.InvariantCulture), "--dir", dir, "--port",
            port.ToString(CultureInfo.InvariantCulture)], workingDirectory: dir))!;
        var cluster = new TestCluster(dir, port, nodes, dev, nodeArguments ?? []);
        dev.OutputDataReceived += (_, e) => cluster.Note(e.Data);
        dev.ErrorDataReceived += (_, e) => cluster.Note(e.Data);
        dev.BeginOutputReadLine();
        dev.BeginErrorReadLine();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(240);
            while (!cluster.Output.Contains("Press Ctrl+C", StringComparison.Ordinal))
            {
                if (dev.HasExited || DateTime.UtcNow > deadline) throw new InvalidOperationException($"dev up did not get ready:\n{cluster.Output}\n{cluster.NodeLogs}");
                await Task.Delay(250);
            }
            if (!keepDevUp) await cluster.TakeOverAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops dev up (its nodes stop cleanly with it) and starts every node again as the harness's own process.</summary>
    private async Task TakeOverAsync()
    {
        await SignalAsync(_dev.Id, "TERM");
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30))) await _dev.WaitForExitAsync(grace.Token);
        await Task.WhenAll(Enumerable.Range(1, Nodes).Select(RestartAsync));
        await LeaderAsync();
        Note("taken over by the test harness");
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

    /// <summary>The password of the first user of a type ("CO", "CU") in dev up's credentials.json.</summary>
    public (string Name, string Password) Credentials(string type)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, "credentials.json")));
        var user = json.RootElement.GetProperty("users").EnumerateArray().First(u => u.GetProperty("type").GetString() == type);
        return (user.GetProperty("name").GetString()!, user.GetProperty("password").GetString()!);
    }

    /// <summary>SIGKILL of a node's process (no shutdown, nothing flushed).</summary>
    public async Task KillAsync(int node)
    {
        if (!_nodes.Remove(node, out var process)) throw new InvalidOperationException($"node {node} is not running under the harness");
        await process.KillAsync();
        await process.DisposeAsync();
        Note($"node {node} killed");
    }

    /// <summary>SIGSTOP (<paramref name="stop"/>) or SIGCONT of a node's process: frozen, its sockets open but silent.</summary>
    public async Task FreezeAsync(int node, bool stop)
    {
        await SignalAsync(NodeProcessOf(node).ProcessId, stop ? "STOP" : "CONT");
        Note($"node {node} {(stop ? "stopped (SIGSTOP)" : "continued (SIGCONT)")}");
    }

    /// <summary>Starts a node on its data directory and ports (as a member: no --join), with the cluster's node arguments.</summary>
    public Task RestartAsync(int node) => StartNodeAsync(node);

    /// <summary>Starts a node with extra arguments (e.g. --join ADMISSION for a node whose data directory was replaced).</summary>
    public async Task StartNodeAsync(int node, params string[] extraArguments)
    {
        if (_nodes.ContainsKey(node)) throw new InvalidOperationException($"node {node} is already running");
        var port = Port(node);
        string[] args = ["--cluster-listen", $"127.0.0.1:{port + 2}", .. _nodeArguments, .. extraArguments];
        _nodes[node] = await NodeProcess.StartOnAsync(DataDirectory(node), port, port + 1, args);
        Note($"node {node} started: {string.Join(' ', args)}");
    }

    public NodeProcess NodeProcessOf(int node) =>
        _nodes.TryGetValue(node, out var process) ? process : throw new InvalidOperationException($"node {node} is not running under the harness");

    /// <summary>`cluster info --json` through <paramref name="env"/> (all nodes unless given).</summary>
    public async Task<JsonElement> InfoAsync(Dictionary<string, string?>? env = null)
    {
        var info = (await CliRunner.RunAsync(["cluster", "info", "--json"], env ?? Env)).ShouldSucceed();
        using var json = JsonDocument.Parse(info.Stdout);
        return json.RootElement.Clone();
    }

    /// <summary>The row of `cluster info --json` for node <paramref name="node"/> (by its gRPC endpoint).</summary>
    public JsonElement NodeRow(JsonElement info, int node) =>
        info.GetProperty("nodes").EnumerateArray().First(n => n.GetProperty("endpoint").GetString() == $"127.0.0.1:{Port(node)}");

    /// <summary>The number (1..N) of the node that is leader now (from `cluster info`).</summary>
    public async Task<int> LeaderAsync(Dictionary<string, string?>? env = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var info = await CliRunner.RunAsync(["cluster", "info", "--json"], env ?? Env);
            if (info.ExitCode == 0)
            {
                using var json = JsonDocument.Parse(info.Stdout);
                foreach (var n in json.RootElement.GetProperty("nodes").EnumerateArray())
                {
                    if (n.GetProperty("role").GetString() == "leader" && n.GetProperty("endpoint").GetString() is { } endpoint && endpoint.StartsWith("127.0.0.1:", StringComparison.Ordinal))
                    {
                        return (int.Parse(endpoint["127.0.0.1:".Length..], CultureInfo.InvariantCulture) - BasePort) / 10 + 1;
                    }
                }
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No leader:\n{info}\n{NodeLogs}");
            await Task.Delay(500);
        }
    }

    /// <summary>`cluster verify` until it reports every node in sync (replicas apply asynchronously), or its last answer.</summary>
    public async Task<CliResult> AwaitInSyncAsync(TimeSpan? timeout = null, Dictionary<string, string?>? env = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var result = await CliRunner.RunAsync(["cluster", "verify"], env ?? Env);
            if (result.ExitCode == 0 || DateTime.UtcNow > deadline) return result;
            await Task.Delay(500);
        }
    }

    private void Note(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>kill -SIGNAL PID, for a process this harness started.</summary>
    private static async Task SignalAsync(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {pid} failed");
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
        foreach (var process in _nodes.Values)
        {
            // A frozen process ignores nothing but SIGKILL; continue it first so that nothing is left stopped.
            if (!process.HasExited) await SignalAsync(process.ProcessId, "CONT").ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await process.DisposeAsync();
        }
        _nodes.Clear();
        if (!_dev.HasExited) _dev.Kill(entireProcessTree: true);
        await _dev.WaitForExitAsync();
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
