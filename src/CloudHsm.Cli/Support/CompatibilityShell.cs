using System.CommandLine;

namespace CloudHsm.Cli.Support;

/// <summary>A shell that speaks one of the Azure tools' command languages (mgmt, util).</summary>
internal interface ICompatibilityShell : IDisposable
{
    Task<int> RunSingleAsync(IReadOnlyList<string> words);

    Task<int> RunInteractiveAsync();
}

/// <summary>
/// The command line of a compatibility shell, the same for each: `[--config FILE] [singlecmd ...]`,
/// or the configuration file standing before singlecmd as the Azure tools allow. The words after
/// the shell's name reach <see cref="RunAsync"/> verbatim, before System.CommandLine sees them.
/// </summary>
internal static class CompatibilityShell
{
    /// <summary>The System.CommandLine form, for --help; it hands its words to <see cref="RunAsync"/>.</summary>
    public static Command Create(string name, string description, string usage, Func<string?, ICompatibilityShell> open)
    {
        var words = new Argument<string[]>("words") { Arity = ArgumentArity.ZeroOrMore, Description = "singlecmd and its commands" };
        var command = new Command(name, description + "\n" + usage) { words };
        command.SetAction((parse, _) => RunAsync(["--config", parse.GetValue(CommonOptions.Config) ?? "", .. parse.GetValue(words) ?? []], usage, open));
        return command;
    }

    public static async Task<int> RunAsync(string[] args, string usage, Func<string?, ICompatibilityShell> open)
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
                Console.Error.WriteLine($"RET_INVALID_INPUT: unknown option {args[i]}. Usage: {usage}");
                return ExitCodes.Usage;
            }
        }
        // Azure's form: the configuration file may also stand before singlecmd.
        if (config is null && i < args.Length && args[i] != "singlecmd" && File.Exists(args[i]))
        {
            config = args[i];
            i++;
        }
        using var shell = open(config);
        try
        {
            if (i < args.Length && args[i] == "singlecmd") return await shell.RunSingleAsync(args[(i + 1)..]);
            if (i < args.Length)
            {
                Console.Error.WriteLine($"RET_INVALID_INPUT: unexpected '{args[i]}'. Usage: {usage}");
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
