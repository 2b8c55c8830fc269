using System.CommandLine;
using CloudHsm.Cli.Commands;
using CloudHsm.Cli.Mgmt;
using CloudHsm.Cli.Support;

namespace CloudHsm.Cli;

/// <summary>The `cloudhsm` command.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // The compatibility shell takes Azure's positional syntax (with words like -hpswd) verbatim,
        // so it is dispatched before the option parser sees its words.
        try
        {
            return await RunAsync(args);
        }
        catch (Exception e) when (CommonOptions.Refusal(e) is { } r)
        {
            Console.Error.WriteLine($"{r.Name}: {r.Message}");
            return ExitCodes.Refused;
        }
        catch (Exception e)
        {
            // Never a stack trace for a person: the type is enough to report a bug.
            Console.Error.WriteLine($"RET_INTERNAL_ERROR: cloudhsm failed unexpectedly ({e.GetType().Name}).");
            return ExitCodes.Refused;
        }
    }

    private static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "mgmt" && !args.Skip(1).Any(a => a is "-h" or "--help" or "-?"))
        {
            return await MgmtCommand.RunAsync(args[1..]);
        }
        if (args.Length > 0 && args[0] == "util" && !args.Skip(1).Any(a => a is "-h" or "--help" or "-?"))
        {
            return await UtilCommand.RunAsync(args[1..]);
        }
        var root = new RootCommand("CloudHSM: a self-hostable HSM partition (Azure Cloud HSM compatible).")
        {
            CommonOptions.Config,
            CommonOptions.Json,
            CommonOptions.As,
        };
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(OwnerCommands.Create());
        root.Subcommands.Add(UserCommands.Create());
        root.Subcommands.Add(KeyCommands.Create());
        root.Subcommands.Add(CryptoCommands.Create());
        root.Subcommands.Add(UtilCommand.Create());
        root.Subcommands.Add(PartitionCommands.Create());
        root.Subcommands.Add(ClusterCommands.Create());
        root.Subcommands.Add(MgmtCommand.Create());
        root.Subcommands.Add(DevCommands.Create());
        root.Subcommands.Add(DemoCommand.Create());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"RET_INVALID_INPUT: {error.Message}");
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }
}
