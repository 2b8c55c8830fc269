using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CloudHsm.Cli.Support;

/// <summary>
/// One `cloudhsm node` child process of a development cluster (the same program, so the same build),
/// its output appended to a log file. Stopped with SIGTERM (a clean shutdown), SIGKILL after 10 s.
/// </summary>
internal sealed class DevNodeProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Queue<string> _tail = new();

    private DevNodeProcess(Process process, string logPath, StreamWriter log)
    {
        _process = process;
        LogPath = logPath;
        _log = log;
    }

    public string LogPath { get; }
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the node printed (for an error message).</summary>
    public string Tail
    {
        get { lock (_tail) return string.Join(Environment.NewLine, _tail); }
    }

    /// <summary>Starts `cloudhsm ARGS` and returns once the node accepts connections on <paramref name="port"/>.</summary>
    public static async Task<DevNodeProcess> StartAsync(IReadOnlyList<string> args, int port, string logPath, CancellationToken ct)
    {
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = Process.Start(SelfStartInfo(args)) ?? throw new CliException("RET_INTERNAL_ERROR", "Cannot start a node process.");
        var node = new DevNodeProcess(process, logPath, log);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                if (process.HasExited)
                {
                    throw new CliException("RET_NODE_NOT_READY", $"The node exited with {process.ExitCode} (log {logPath}):{Environment.NewLine}{node.Tail}");
                }
                if (await AcceptsAsync(port, ct)) return node;
                if (DateTime.UtcNow > deadline) throw new CliException("RET_NODE_NOT_READY", $"The node did not listen on port {port} within 60 s (log {logPath}).");
                await Task.Delay(100, ct);
            }
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs `cloudhsm ARGS` to its end (for `node request`); refuses when it fails.</summary>
    public static async Task RunToEndAsync(IReadOnlyList<string> args, string logPath, CancellationToken ct)
    {
        await using var run = await StartDetachedAsync(args, logPath);
        await run._process.WaitForExitAsync(ct);
        if (run._process.ExitCode != 0)
        {
            throw new CliException("RET_NODE_NOT_READY", $"cloudhsm {args[0]} {args[1]} failed with {run._process.ExitCode} (log {logPath}):{Environment.NewLine}{run.Tail}");
        }
    }

    private static Task<DevNodeProcess> StartDetachedAsync(IReadOnlyList<string> args, string logPath)
    {
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = Process.Start(SelfStartInfo(args)) ?? throw new CliException("RET_INTERNAL_ERROR", "Cannot start cloudhsm.");
        var run = new DevNodeProcess(process, logPath, log);
        process.OutputDataReceived += (_, e) => run.Append(e.Data);
        process.ErrorDataReceived += (_, e) => run.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return Task.FromResult(run);
    }

    /// <summary>This program again: the apphost directly, or `dotnet cloudhsm.dll` when run through dotnet.</summary>
    private static ProcessStartInfo SelfStartInfo(IEnumerable<string> args)
    {
        var host = Environment.ProcessPath ?? throw new CliException("RET_INTERNAL_ERROR", "Cannot tell which program is running.");
        var psi = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cloudhsm.dll"));
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        // A node never inherits a person's client credentials.
        foreach (var name in new[] { "CLOUDHSM_USER", "CLOUDHSM_PASSWORD", "CLOUDHSM_CREDENTIALS", "CLOUDHSM_NEW_PASSWORD" }) psi.Environment.Remove(name);
        return psi;
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, ct);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_tail)
        {
            _log.WriteLine(line);
            _tail.Enqueue(line);
            if (_tail.Count > 30) _tail.Dequeue();
        }
    }

    /// <summary>Asks the node to stop (SIGTERM; on Windows, kills it) without waiting.</summary>
    public void Terminate()
    {
        try
        {
            if (_process.HasExited) return;
            if (OperatingSystem.IsWindows()) _process.Kill(entireProcessTree: true);
            else _ = Kill(_process.Id, SigTerm);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Terminate();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
        lock (_tail) _log.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
