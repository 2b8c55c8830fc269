using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.DataDirectory;

/// <summary>
/// A `cloudhsm node` process under the test's full control, for what the harness's NodeProcess does
/// not do: an environment of its own (unseal passphrase), any listen host, and a graceful stop
/// (SIGTERM, so that SQLite checkpoints its WAL into partition.db) besides a crash (SIGKILL).
/// </summary>
internal sealed class ControlledNode : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private bool _disposed;

    private ControlledNode(Process process, string dataDirectory, int port)
    {
        _process = process;
        DataDirectory = dataDirectory;
        Port = port;
    }

    public string DataDirectory { get; }
    public int Port { get; }
    public string Endpoint => $"127.0.0.1:{Port}";
    public string BootstrapCertificate => Path.Combine(DataDirectory, "bootstrap.crt");

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>The partition serial number the node printed when it started.</summary>
    public string SerialNumber =>
        System.Text.RegularExpressions.Regex.Match(Log, @"partition ([0-9A-F]+),").Groups[1].Value;

    /// <summary>Starts a node and waits until it listens; fails the test with its output if it exits instead.</summary>
    public static async Task<ControlledNode> StartAsync(string dataDirectory, IDictionary<string, string?>? environment = null,
        string listenHost = "127.0.0.1", params string[] extraArgs)
    {
        var port = NodeProcess.FreePort();
        var args = new List<string> { "node", "--data", dataDirectory, "--listen", $"{listenHost}:{port}" };
        if (!extraArgs.Contains("--wire-listen"))
        {
            // A free port of its own: the default (port + 1) may belong to another test's node.
            int wirePort;
            do wirePort = NodeProcess.FreePort(); while (wirePort == port);
            args.AddRange(["--wire-listen", $"{listenHost}:{wirePort}"]);
        }
        args.AddRange(extraArgs);
        var process = Process.Start(CliRunner.StartInfo(args, environment))!;
        process.StandardInput.Close();
        var node = new ControlledNode(process, dataDirectory, port);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (node._log) node._log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (node._log) node._log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(); // drains the output
                throw new InvalidOperationException($"node exited with {process.ExitCode}:\n{node.Log}");
            }
            if (node.Log.Contains("listening", StringComparison.Ordinal))
            {
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    return node;
                }
                catch (SocketException)
                {
                    // not accepting yet
                }
            }
            await Task.Delay(100);
        }
        await node.DisposeAsync();
        throw new TimeoutException($"node did not start:\n{node.Log}");
    }

    /// <summary>
    /// Runs `cloudhsm node` expecting it to refuse to start. It gets a free loopback port, so a node
    /// that starts after all does not collide with anything; it is killed after <paramref name="timeoutSeconds"/>.
    /// </summary>
    public static Task<CliResult> RunExpectingRefusalAsync(string dataDirectory, IDictionary<string, string?>? environment = null,
        int timeoutSeconds = 30, params string[] extraArgs) =>
        CliRunner.RunAsync(["node", "--data", dataDirectory, "--listen", $"127.0.0.1:{NodeProcess.FreePort()}", .. extraArgs],
            environment, timeoutSeconds: timeoutSeconds);

    /// <summary>Stops the node as an operator would (SIGTERM) and waits for a clean exit.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        var kill = await Tool.RunAsync("kill", AppContext.BaseDirectory, "-TERM", _process.Id.ToString());
        Assert.True(kill.ExitCode == 0, kill.ToString());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node did not stop on SIGTERM:\n{Log}");
        }
        Assert.True(_process.ExitCode == 0, $"node exited with {_process.ExitCode} on SIGTERM:\n{Log}");
    }

    /// <summary>Kills the node (SIGKILL): what the data directory looks like after a crash or power loss.</summary>
    public async Task CrashAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await CrashAsync();
        _process.Dispose();
        _disposed = true;
    }
}
