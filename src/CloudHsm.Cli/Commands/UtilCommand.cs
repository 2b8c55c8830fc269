using System.CommandLine;
using CloudHsm.Cli.Support;
using CloudHsm.Cli.Util;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm util [--config FILE] [singlecmd COMMAND ...]`: the azcloudhsm_util-compatible key shell.</summary>
internal static class UtilCommand
{
    public const string Usage = "cloudhsm util [--config FILE] [singlecmd loginHSM -u CU -s <name> {-p <password> | -hpswd} <command -options ...> [; <command ...>]]";

    public static Command Create() => CompatibilityShell.Create("util",
        "The azcloudhsm_util (key_mgmt_util) compatible key shell: interactive, or `singlecmd` for scripts. Type help inside for the commands.", Usage, Open);

    public static Task<int> RunAsync(string[] args) => CompatibilityShell.RunAsync(args, Usage, Open);

    private static UtilShell Open(string? config) => new(config, Console.In, Console.Out, Console.Error);
}
