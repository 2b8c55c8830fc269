using System.Diagnostics;

namespace CloudHsm.ClusterLoad;

/// <summary>
/// One `cloudhsm node` process of the dev cluster layout (node N: gRPC on PORT+10(N-1), wire +1,
/// cluster channel +2, data in DIR/nodeN), its output appended to DIR/nodeN.bench.log. Killed with
/// SIGKILL (a crash) or stopped with SIGTERM (clean).
/// </summary>
internal sealed class NodeProcess(string dir, int number, int basePort, string cli)
{
    private Process? _process;

    public int Number => number;
    public int Port => basePort + (10 * (number - 1));
    public string Endpoint => $"127.0.0.1:{Port}";
    public string WireEndpoint => $"127.0.0.1:{Port + 1}";
    public string ClusterEndpoint => $"127.0.0.1:{Port + 2}";
    public string DataDirectory => Path.Combine(dir, $"node{number}");
    public string LogPath => Path.Combine(dir, $"node{number}.bench.log");
    public bool Running => _process is { HasExited: false };

    /// <summary>Starts the node (with its admission on a first start as a new member).</summary>
    public void Start(string? join = null)
    {
        List<string> args = ["node", "--data", DataDirectory, "--listen", Endpoint, "--wire-listen", WireEndpoint, "--cluster-listen", ClusterEndpoint];
        if (join is not null) args.AddRange(["--join", join]);
        _process = Run(args);
    }

    /// <summary>`cloudhsm node request` for a fresh data directory; returns the join request's JSON.</summary>
    public async Task<string> RequestAsync()
    {
        var output = Path.Combine(dir, $"node{number}.join-request.json");
        using var request = Run(["node", "request", "--data", DataDirectory, "--listen", Endpoint, "--cluster-listen", ClusterEndpoint, "--out", output]);
        await request.WaitForExitAsync();
        if (request.ExitCode != 0) throw new InvalidOperationException($"node request failed with {request.ExitCode} (log {LogPath}).");
        return await File.ReadAllTextAsync(output);
    }

    /// <summary>SIGKILL, as a crash: nothing is flushed or said goodbye.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } p) return;
        p.Kill();
        p.WaitForExit();
    }

    /// <summary>SIGTERM (a clean shutdown), SIGKILL after 15 s.</summary>
    public void Stop()
    {
        if (_process is not { HasExited: false } p) return;
        using (var term = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) term.WaitForExit();
        if (!p.WaitForExit(15_000)) p.Kill();
        p.WaitForExit();
    }

    private Process Run(IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(cli);
        foreach (var a in args) info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("Cannot start cloudhsm.");
        var log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
        void Append(string? line)
        {
            if (line is null) return;
            lock (log) log.WriteLine(line);
        }
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
