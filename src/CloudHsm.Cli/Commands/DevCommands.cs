using System.CommandLine;
using CloudHsm.Cli.Support;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm dev up`: a local, activated partition in the foreground.</summary>
internal static class DevCommands
{
    public static Command Create()
    {
        var dev = new Command("dev", "Development helpers.");
        var dir = new Option<string>("--dir") { Description = "Folder for the owner key, node data, client.json and credentials.json.", DefaultValueFactory = _ => "cloudhsm-dev" };
        var nodes = new Option<int>("--nodes") { Description = "Number of nodes (1 until the cluster exists).", DefaultValueFactory = _ => 1 };
        var port = new Option<int>("--port") { Description = "Port of the first node.", DefaultValueFactory = _ => Protocol.WireNames.DefaultPort };
        var maxKeys = new Option<int>("--max-keys") { Description = "Key handles a new partition holds (a pair counts two; up to 1000000).", DefaultValueFactory = _ => 3200 };
        var up = new Command("up", "Start a local node, activate it with a fresh PO key, create a CO and a CU, and keep running.") { dir, nodes, port, maxKeys };
        up.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(nodes) != 1)
            {
                Console.Error.WriteLine("RET_NOT_SUPPORTED: this version runs one node; --nodes 3 arrives with the three-node cluster.");
                return ExitCodes.Refused;
            }
            try
            {
                await using var env = await DevEnvironment.StartAsync(parse.GetValue(dir)!, parse.GetValue(port), Console.Out, ct, parse.GetValue(maxKeys));
                Console.Out.WriteLine();
                Console.Out.WriteLine("Connect with:");
                Console.Out.WriteLine($"  export CLOUDHSM_CONFIG={env.ClientConfigPath}");
                Console.Out.WriteLine($"  export CLOUDHSM_CREDENTIALS={env.CredentialsPath}");
                Console.Out.WriteLine("  cloudhsm user list            # logs in as the CO from the credentials file");
                Console.Out.WriteLine("  cloudhsm mgmt                 # the azcloudhsm_mgmt_util-compatible shell");
                Console.Out.WriteLine("Press Ctrl+C to stop.");
                await env.WaitForShutdownAsync(ct);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (CommonOptions.Refusal(e) is { } r)
            {
                Console.Error.WriteLine($"{r.Name}: {r.Message}");
                return ExitCodes.Refused;
            }
            catch (Storage.DataDirectoryException e)
            {
                Console.Error.WriteLine($"{e.ErrorName}: {e.Message}");
                return ExitCodes.Refused;
            }
        });
        dev.Subcommands.Add(up);
        return dev;
    }
}
