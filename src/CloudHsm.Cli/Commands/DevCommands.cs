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
        var nodes = new Option<int>("--nodes")
        {
            Description = $"Number of nodes, 1..{DevCluster.MaxNodes}. 1: one standalone node in this process. More: a Raft cluster of child processes, "
                + "node N serving gRPC on PORT+10(N-1), its wire transport one above and its cluster channel two above.",
            DefaultValueFactory = _ => 1,
        };
        var port = new Option<int>("--port") { Description = "Port of the first node (keep it the same when restarting a cluster).", DefaultValueFactory = _ => Protocol.WireNames.DefaultPort };
        var maxKeys = new Option<int>("--max-keys") { Description = "Key handles a new partition holds (a pair counts two; up to 1000000).", DefaultValueFactory = _ => 3200 };
        var up = new Command("up", "Start local nodes, activate the partition with a fresh PO key, create a CO and a CU, and keep running.") { dir, nodes, port, maxKeys };
        up.SetAction(async (parse, ct) =>
        {
            var count = parse.GetValue(nodes);
            if (count is < 1 or > DevCluster.MaxNodes)
            {
                Console.Error.WriteLine($"RET_INVALID_INPUT: --nodes is 1..{DevCluster.MaxNodes}.");
                return ExitCodes.Usage;
            }
            try
            {
                if (count == 1)
                {
                    await using var env = await DevEnvironment.StartAsync(parse.GetValue(dir)!, parse.GetValue(port), Console.Out, ct, parse.GetValue(maxKeys));
                    PrintConnect(env.ClientConfigPath, env.CredentialsPath, cluster: false);
                    await env.WaitForShutdownAsync(ct);
                    return ExitCodes.Ok;
                }
                await using var cluster = await DevCluster.StartAsync(parse.GetValue(dir)!, count, parse.GetValue(port), parse.GetValue(maxKeys), Console.Out, ct);
                PrintConnect(cluster.ClientConfigPath, cluster.CredentialsPath, cluster: true);
                await cluster.WaitForShutdownAsync(ct);
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

    private static void PrintConnect(string configPath, string credentialsPath, bool cluster)
    {
        Console.Out.WriteLine();
        Console.Out.WriteLine("Connect with:");
        Console.Out.WriteLine($"  export CLOUDHSM_CONFIG={configPath}");
        Console.Out.WriteLine($"  export CLOUDHSM_CREDENTIALS={credentialsPath}");
        Console.Out.WriteLine("  cloudhsm user list            # logs in as the CO from the credentials file");
        if (cluster)
        {
            Console.Out.WriteLine("  cloudhsm cluster info         # each node's role, term, commit and applied index, lag");
            Console.Out.WriteLine("  cloudhsm cluster verify       # users and keys compared on every node");
        }
        Console.Out.WriteLine("  cloudhsm mgmt                 # the azcloudhsm_mgmt_util-compatible shell");
        Console.Out.WriteLine("Press Ctrl+C to stop.");
    }
}
