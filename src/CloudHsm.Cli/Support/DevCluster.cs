using System.Globalization;
using CloudHsm.Client;
using CloudHsm.Protocol.V1;
using CloudHsm.Storage;

namespace CloudHsm.Cli.Support;

/// <summary>Where node <c>Number</c> of a development cluster lives: DIR/nodeN, gRPC on PORT+10(N-1), wire +1, Raft +2.</summary>
internal sealed record DevNodeLayout(string Directory, int Number, int BasePort)
{
    public const int PortStep = 10;

    public int Port => BasePort + (PortStep * (Number - 1));
    public string Endpoint => $"127.0.0.1:{Port}";
    public string WireEndpoint => $"127.0.0.1:{Port + 1}";
    public string ClusterEndpoint => $"127.0.0.1:{Port + 2}";
    public string DataDirectory => Path.Combine(Directory, $"node{Number}");
    public string LogPath => Path.Combine(Directory, $"node{Number}.log");
    /// <summary>The join request `node request` wrote; kept until the node has joined, so an interrupted run resumes.</summary>
    public string RequestPath => Path.Combine(Directory, $"node{Number}.join-request.json");
    /// <summary>The admission AddNode returned; deleted once the node has joined.</summary>
    public string AdmissionPath => Path.Combine(Directory, $"node{Number}.admission.json");

    /// <summary>`cloudhsm node ...` for this node.</summary>
    public List<string> NodeArguments(string? join, int maxKeys)
    {
        List<string> args = ["node", "--data", DataDirectory, "--listen", Endpoint, "--wire-listen", WireEndpoint, "--cluster-listen", ClusterEndpoint];
        if (Number == 1) args.AddRange(["--max-keys", maxKeys.ToString(CultureInfo.InvariantCulture)]);
        if (join is not null) args.AddRange(["--join", join]);
        return args;
    }

    public List<string> RequestArguments() =>
        ["node", "request", "--data", DataDirectory, "--listen", Endpoint, "--cluster-listen", ClusterEndpoint, "--out", RequestPath];

    /// <summary>A member from an earlier run: its data exists and nothing of its admission is pending.</summary>
    public bool IsEarlierMember => System.IO.Directory.Exists(DataDirectory) && (Number == 1 || !File.Exists(RequestPath) && !File.Exists(AdmissionPath));
}

/// <summary>
/// `cloudhsm dev up --nodes N` (N > 1): node 1 founds the cluster and is activated like a single dev
/// node; each further node makes a join request, is admitted by the CO (AddNode), starts with its
/// admission and catches up. All run as child processes; client.json lists every node.
/// </summary>
internal sealed class DevCluster : IAsyncDisposable
{
    public const int MaxNodes = 7;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

    private readonly List<DevNodeProcess> _processes = [];
    private readonly List<DevNodeLayout> _layout;
    private readonly int _maxKeys;
    private readonly TextWriter _log;

    private DevCluster(string directory, int nodes, int port, int maxKeys, TextWriter log)
    {
        // Last resort when the process ends without DisposeAsync (an unhandled signal): no node outlives it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { foreach (var p in _processes.ToArray()) p.Terminate(); };
        Directory = directory;
        _layout = Enumerable.Range(1, nodes).Select(n => new DevNodeLayout(directory, n, port)).ToList();
        _maxKeys = maxKeys;
        _log = log;
    }

    public string Directory { get; }
    public string ClientConfigPath => DevActivation.ClientConfigPath(Directory);
    public string CredentialsPath => DevActivation.CredentialsPath(Directory);
    public IReadOnlyList<DevNodeLayout> Nodes => _layout;

    public static async Task<DevCluster> StartAsync(string directory, int nodes, int port, int maxKeys, TextWriter log, CancellationToken ct)
    {
        if (nodes is < 2 or > MaxNodes) throw new CliException("RET_INVALID_INPUT", $"A development cluster has 2..{MaxNodes} nodes.");
        if (port is < 1 or > 65535 - (DevNodeLayout.PortStep * MaxNodes)) throw new CliException("RET_INVALID_INPUT", "--port leaves no room for the nodes' ports.");
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        var cluster = new DevCluster(directory, nodes, port, maxKeys, log);
        try
        {
            await cluster.UpAsync(ct);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task UpAsync(CancellationToken ct)
    {
        var founder = _layout[0];
        // Earlier members start together: a restarted cluster needs a majority before anything works.
        foreach (var node in _layout.Where(n => n.IsEarlierMember)) await StartNodeAsync(node, join: null, ct);
        if (_processes.Count == 0) await StartNodeAsync(founder, join: null, ct);

        var firstConfig = new ClientConfig
        {
            Nodes = [founder.Endpoint],
            PoCertificate = DevActivation.PoCertificate,
            BootstrapCertificate = Path.Combine(founder.DataDirectory, Node.Tls.NodeTlsIdentity.BootstrapFileName),
            BaseDirectory = Directory,
        };
        await WaitForLeaderAsync(firstConfig, ct);
        using (var probe = new HsmClient(firstConfig))
        {
            if ((await probe.GetPartitionInfoAsync(ct)).Status != PartitionStatus.Active)
            {
                await RetryWhileNotReadyAsync(() => DevActivation.ActivateAsync(Directory, founder.Endpoint, founder.DataDirectory, _log, ct), ct);
            }
            else
            {
                _log.WriteLine($"Using the partition already activated in {Directory}.");
            }
        }

        var config = new ClientConfig { Nodes = [founder.Endpoint], PoCertificate = DevActivation.PoCertificate, BaseDirectory = Directory };
        using var co = new HsmClient(config);
        await co.LoginAsync(UserType.Co, DevActivation.CoName, DevActivation.CoPassword(Directory), ct);
        try
        {
            foreach (var node in _layout.Skip(1).Where(n => !n.IsEarlierMember)) await JoinAsync(co, node, ct);
        }
        finally
        {
            await Commands.UserCommands.LogoutQuietlyAsync(co);
        }
        foreach (var node in _layout) await WaitForHealthyAsync(config, node, ct);

        new ClientConfig
        {
            Nodes = [.. _layout.Select(n => n.Endpoint)],
            Wire = [.. _layout.Select(n => n.WireEndpoint)],
            PoCertificate = DevActivation.PoCertificate,
        }.Save(ClientConfigPath);
        _log.WriteLine($"Cluster of {_layout.Count} nodes ready; {ClientConfigPath} lists them all.");
    }

    /// <summary>node request, AddNode as the CO, then the node starts with its admission and catches up.</summary>
    private async Task JoinAsync(HsmClient co, DevNodeLayout node, CancellationToken ct)
    {
        if (!File.Exists(node.AdmissionPath))
        {
            if (!File.Exists(node.RequestPath)) await DevNodeProcess.RunToEndAsync(node.RequestArguments(), node.LogPath, ct);
            var reply = await co.AddNodeAsync(await File.ReadAllTextAsync(node.RequestPath, ct), ct);
            SecureFile.WriteAllText(node.AdmissionPath, reply.Admission);
            _log.WriteLine($"Node {node.Number}: admitted as {reply.NodeId}.");
        }
        await StartNodeAsync(node, node.AdmissionPath, ct);
        var config = new ClientConfig { Nodes = [_layout[0].Endpoint], PoCertificate = DevActivation.PoCertificate, BaseDirectory = Directory };
        await WaitForHealthyAsync(config, node, ct);
        File.Delete(node.AdmissionPath);
        File.Delete(node.RequestPath);
    }

    private async Task StartNodeAsync(DevNodeLayout node, string? join, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(Directory);
        _processes.Add(await DevNodeProcess.StartAsync(node.NodeArguments(join, _maxKeys), node.Port, node.LogPath, ct));
        _log.WriteLine($"Node {node.Number}: gRPC {node.Endpoint}, wire {node.WireEndpoint}, cluster {node.ClusterEndpoint}{(join is null ? "" : ", joining")}; log {node.LogPath}");
    }

    private async Task WaitForLeaderAsync(ClientConfig config, CancellationToken ct)
    {
        using var client = new HsmClient(config);
        await PollAsync(async () => (await client.GetClusterInfoAsync(ct)).Leader.Length > 0, "the cluster did not elect a leader", ct);
    }

    private async Task WaitForHealthyAsync(ClientConfig config, DevNodeLayout node, CancellationToken ct)
    {
        using var client = new HsmClient(config);
        await PollAsync(async () => (await client.GetClusterInfoAsync(ct)).Nodes.Any(n => n.Endpoint == node.Endpoint && n.Healthy),
            $"node {node.Number} did not become healthy (log {node.LogPath})", ct);
        _log.WriteLine($"Node {node.Number}: healthy.");
    }

    private async Task PollAsync(Func<Task<bool>> ready, string failure, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (true)
        {
            if (_processes.FirstOrDefault(p => p.HasExited) is { } dead)
            {
                throw new CliException("RET_NODE_NOT_READY", $"A node stopped (log {dead.LogPath}):{Environment.NewLine}{dead.Tail}");
            }
            try
            {
                if (await ready()) return;
            }
            catch (HsmClientException e) when (e.IsTransient)
            {
                // not serving yet
            }
            if (DateTime.UtcNow > deadline) throw new CliException("RET_NODE_NOT_READY", $"After {ReadyTimeout.TotalSeconds:0} s: {failure}.");
            await Task.Delay(250, ct);
        }
    }

    private static async Task RetryWhileNotReadyAsync(Func<Task> action, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (true)
        {
            try
            {
                await action();
                return;
            }
            catch (HsmClientException e) when (e.IsTransient && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500, ct);
            }
        }
    }

    /// <summary>
    /// Runs until Ctrl+C, SIGTERM or SIGQUIT (or <paramref name="ct"/>); the signal is taken over so that
    /// <see cref="DisposeAsync"/> can stop the nodes cleanly instead of the process ending under them.
    /// A node that stops by itself ends the wait too.
    /// </summary>
    public async Task WaitForShutdownAsync(CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        void OnSignal(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
        using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
        using var quit = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGQUIT, OnSignal);
        while (!stop.IsCancellationRequested)
        {
            if (_processes.FirstOrDefault(p => p.HasExited) is { } dead)
            {
                _log.WriteLine($"A node stopped by itself (log {dead.LogPath}); stopping the others.");
                return;
            }
            try
            {
                await Task.Delay(500, stop.Token);
            }
            catch (OperationCanceledException)
            {
                // a signal or the caller: stop
            }
        }
        _log.WriteLine("Stopping the nodes.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes) process.Terminate();
        foreach (var process in _processes) await process.DisposeAsync();
        _processes.Clear();
    }
}
