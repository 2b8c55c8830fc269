using System.Diagnostics;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// fork() after C_Initialize, with a connection open and a login in the parent: a small C program
/// (Native/fork_probe.c, built here with the system's cc) checks that the child must initialise again,
/// then works on connections of its own, and that the parent's keep working.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class ForkTests(ModuleFixture module)
{
    [Fact]
    public async Task AForkedChildInitialisesAgainAndWorksWhileTheParentKeepsItsConnection()
    {
        var probe = Path.Combine(module.Partition.Directory, "fork_probe");
        (await RunAsync("cc", "-Wall", "-Werror", "-o", probe, Path.Combine(AppContext.BaseDirectory, "Native", "fork_probe.c"), "-ldl")).ShouldSucceed();

        // Enough calls in each process for the module's runtime to collect garbage in the child too.
        var result = await RunAsync(probe, ModuleFixture.LibraryPath, module.UserPin, "5000");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("ok", result.Stdout.Trim());
    }

    private async Task<CliResult> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = module.Partition.Directory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["CLOUDHSM_CONFIG"] = module.Partition.ConfigPath;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} hung:\n{await stdout}\n{await stderr}");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
