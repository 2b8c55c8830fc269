using System.Diagnostics;
using System.Text;

namespace CloudHsm.IntegrationTests.Harness;

/// <summary>The result of one `cloudhsm` run.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs the real `cloudhsm` program (the built cloudhsm.dll) as a separate process.</summary>
public static class CliRunner
{
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "cloudhsm.dll");

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IDictionary<string, string?>? env = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Tests never inherit a developer's credentials.
        foreach (var name in new[] { "CLOUDHSM_CONFIG", "CLOUDHSM_USER", "CLOUDHSM_PASSWORD", "CLOUDHSM_CREDENTIALS", "CLOUDHSM_USER_TYPE", "CLOUDHSM_NEW_PASSWORD" })
        {
            psi.Environment.Remove(name);
        }
        if (env is not null)
        {
            foreach (var (k, v) in env) psi.Environment[k] = v;
        }
        return psi;
    }

    public static async Task<CliResult> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? env = null, string? stdin = null,
        string? workingDirectory = null, int timeoutSeconds = 120)
    {
        using var process = Process.Start(StartInfo(args, env, workingDirectory))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cloudhsm {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync((IEnumerable<string>)args);
}

/// <summary>Runs other real programs (openssl).</summary>
public static class Tool
{
    public static async Task<CliResult> RunAsync(string program, string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs openssl and fails the test when it fails.</summary>
    public static async Task OpenSslAsync(string workingDirectory, params string[] args)
    {
        var result = await RunAsync("openssl", workingDirectory, args);
        if (result.ExitCode != 0) throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed:\n{result}");
    }
}
