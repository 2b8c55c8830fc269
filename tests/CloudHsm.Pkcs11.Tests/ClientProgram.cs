using System.Diagnostics;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// Runs a real client program (openssl, keytool, python3...) with CLOUDHSM_CONFIG pointing at the
/// fixture's partition, so the module it loads reaches the fixture's node. A program that does not
/// finish in time is killed with its children and fails the test.
/// </summary>
public static class ClientProgram
{
    public static ProcessStartInfo StartInfo(ModuleFixture module, string program, string workingDirectory,
        IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // A developer's own settings never leak into a test.
        foreach (var name in new[] { "OPENSSL_CONF", "OPENSSL_ENGINES", "JAVA_TOOL_OPTIONS", "PKCS11SPY", "PYTHONPATH" })
        {
            psi.Environment.Remove(name);
        }
        psi.Environment["CLOUDHSM_CONFIG"] = module.Partition.ConfigPath;
        if (env is not null)
        {
            foreach (var (k, v) in env) psi.Environment[k] = v;
        }
        return psi;
    }

    public static async Task<CliResult> RunAsync(ModuleFixture module, string program, string workingDirectory,
        IEnumerable<string> args, IDictionary<string, string>? env = null, string? stdin = null, int timeoutSeconds = 120)
    {
        var argList = args.ToList();
        using var process = Process.Start(StartInfo(module, program, workingDirectory, argList, env))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', argList)} did not finish in {timeoutSeconds} s:\n{await stderr}");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A file copied beside the test assembly (the ClientFiles folder of the project).</summary>
    public static string File(string name) => Path.Combine(AppContext.BaseDirectory, "ClientFiles", name);
}
