using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CloudHsm.IntegrationTests.Harness;

/// <summary>A real node process (`cloudhsm node`) on a free loopback port, killed on dispose.</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private NodeProcess(Process process, string dataDirectory, int port, int? wirePort)
    {
        _process = process;
        DataDirectory = dataDirectory;
        Port = port;
        WirePort = wirePort;
    }

    public string DataDirectory { get; }
    public int Port { get; }
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>The wire transport's port (a free one of its own, not port + 1), or null when the test chose --wire-listen itself.</summary>
    public int? WirePort { get; }
    public string? WireEndpoint => WirePort is { } p ? $"127.0.0.1:{p}" : null;
    public string BootstrapCertificate => Path.Combine(DataDirectory, "bootstrap.crt");
    public bool HasExited => _process.HasExited;
    public int ProcessId => _process.Id;

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts a node and waits until it accepts connections.</summary>
    public static Task<NodeProcess> StartAsync(string dataDirectory, params string[] extraArgs)
    {
        var port = FreePort();
        int? wirePort = null;
        // A free wire port of its own: the default (port + 1) may belong to another test's node.
        if (!extraArgs.Contains("--wire-listen")) do wirePort = FreePort(); while (wirePort == port);
        return StartOnAsync(dataDirectory, port, wirePort, extraArgs);
    }

    /// <summary>
    /// Starts a node on the given ports (the wire transport on <paramref name="wirePort"/> unless the
    /// arguments choose --wire-listen) and waits until it accepts connections.
    /// </summary>
    public static async Task<NodeProcess> StartOnAsync(string dataDirectory, int port, int? wirePort, params string[] extraArgs)
    {
        var args = new List<string> { "node", "--data", dataDirectory, "--listen", $"127.0.0.1:{port}" };
        if (wirePort is { } w) args.AddRange(["--wire-listen", $"127.0.0.1:{w}"]);
        args.AddRange(extraArgs);
        var process = Process.Start(CliRunner.StartInfo(args))!;
        var node = new NodeProcess(process, dataDirectory, port, wirePort);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (node._log) node._log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (node._log) node._log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"node exited with {process.ExitCode}:\n{node.Log}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                if (File.Exists(node.BootstrapCertificate) || node.Log.Contains("listening", StringComparison.Ordinal)) return node;
            }
            catch (SocketException)
            {
                // not listening yet
            }
            await Task.Delay(100);
        }
        await node.DisposeAsync();
        throw new TimeoutException($"node did not start:\n{node.Log}");
    }

    /// <summary>Runs the node command expecting it to refuse to start; returns its output.</summary>
    public static Task<CliResult> RunExpectingExitAsync(string dataDirectory, params string[] extraArgs)
    {
        var args = new List<string> { "node", "--data", dataDirectory };
        args.AddRange(extraArgs);
        return CliRunner.RunAsync(args, timeoutSeconds: 60);
    }

    /// <summary>Kills the process with SIGKILL (no shutdown: open connections break, nothing is flushed) and waits for it.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
