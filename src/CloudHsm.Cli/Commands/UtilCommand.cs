using System.CommandLine;
using CloudHsm.Cli.Support;
using CloudHsm.Cli.Util;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm util [--config FILE] [singlecmd COMMAND ...]`: the azcloudhsm_util-compatible key shell.</summary>
internal static class UtilCommand
{
    public const string Usage = "cloudhsm util [--config FILE] [singlecmd loginHSM -u CU -s <name> {-p <password> | -hpswd} <command -options ...> [; <command ...>]]";

    /// <summary>For --help only; the words are parsed by <see cref="RunAsync"/>.</summary>
    public static Command Create()
    {
        var words = new Argument<string[]>("words") { Arity = ArgumentArity.ZeroOrMore, Description = "singlecmd and its commands" };
        var command = new Command("util", "The azcloudhsm_util (key_mgmt_util) compatible key shell: interactive, or `singlecmd` for scripts. Type help inside for the commands.\n" + Usage) { words };
        command.SetAction((parse, _) => RunAsync(["--config", parse.GetValue(CommonOptions.Config) ?? "", .. parse.GetValue(words) ?? []]));
        return command;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        string? config = null;
        var i = 0;
        while (i < args.Length && args[i].StartsWith("--", StringComparison.Ordinal))
        {
            if (args[i] == "--config" && i + 1 < args.Length)
            {
                config = args[i + 1].Length == 0 ? null : args[i + 1];
                i += 2;
            }
            else
            {
                Console.Error.WriteLine($"RET_INVALID_INPUT: unknown option {args[i]}. Usage: {Usage}");
                return ExitCodes.Usage;
            }
        }
        // As azcloudhsm_util: the configuration file may also stand before singlecmd.
        if (config is null && i < args.Length && args[i] != "singlecmd" && File.Exists(args[i]))
        {
            config = args[i];
            i++;
        }
        using var shell = new UtilShell(config, Console.In, Console.Out, Console.Error);
        try
        {
            if (i < args.Length && args[i] == "singlecmd") return await shell.RunSingleAsync(args[(i + 1)..]);
            if (i < args.Length)
            {
                Console.Error.WriteLine($"RET_INVALID_INPUT: unexpected '{args[i]}'. Usage: {Usage}");
                return ExitCodes.Usage;
            }
            return await shell.RunInteractiveAsync();
        }
        catch (Exception e) when (CommonOptions.Refusal(e) is { } r)
        {
            Console.Error.WriteLine($"{r.Name}: {r.Message}");
            return ExitCodes.Refused;
        }
    }
}
