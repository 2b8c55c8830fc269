using System.CommandLine;
using CloudHsm.Cli.Mgmt;
using CloudHsm.Cli.Support;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm mgmt [--config FILE] [singlecmd COMMAND ...]`: the azcloudhsm_mgmt_util-compatible shell.</summary>
internal static class MgmtCommand
{
    public const string Usage = "cloudhsm mgmt [--config FILE] [singlecmd loginHSM <type> <name> <password|-hpswd> <command ...> [; <command ...>]]";

    public static Command Create() => CompatibilityShell.Create("mgmt",
        "The azcloudhsm_mgmt_util-compatible shell: interactive, or `singlecmd` for scripts. Type help inside for the commands.", Usage, Open);

    public static Task<int> RunAsync(string[] args) => CompatibilityShell.RunAsync(args, Usage, Open);

    private static MgmtShell Open(string? config) => new(config, Console.In, Console.Out, Console.Error);
}
