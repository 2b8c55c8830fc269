using System.CommandLine;
using System.Text.Json.Nodes;
using CloudHsm.Cli.Cluster;
using CloudHsm.Cli.Support;
using CloudHsm.Client;
using CoreUserType = CloudHsm.Core.Users.UserType;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm cluster ...`: the nodes, membership (CO) and sync verification.</summary>
internal static class ClusterCommands
{
    public static Command Create()
    {
        var cluster = new Command("cluster", "The partition's nodes: state, membership (CO) and sync verification.");

        var info = new Command("info", "Show every node's role, term, commit and applied index, and lag (no login needed).");
        info.SetAction((parse, _) => CommonOptions.RunAsync(parse, async () =>
        {
            using var client = HsmClient.FromConfigFile(parse.GetValue(CommonOptions.Config));
            return ClusterTables.InfoJson(await client.GetClusterInfoAsync());
        }, r => string.Join(Environment.NewLine, ClusterTables.Info(r))));
        cluster.Subcommands.Add(info);

        var request = new Option<string>("--request") { Description = "The join request the new node printed (`cloudhsm node request --out FILE`).", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write the admission, given to the new node with `cloudhsm node --join FILE`.", Required = true };
        cluster.Subcommands.Add(UserCommands.Make("add-node", "Admit a new node (CO; PRECO with --as PRECO before activation).", [request, output], CoreUserType.CO,
            async (c, p) =>
            {
                var reply = await c.AddNodeAsync(await File.ReadAllTextAsync(p.GetValue(request)!));
                Storage.SecureFile.WriteAllText(p.GetValue(output)!, reply.Admission);
                return new JsonObject
                {
                    ["result"] = $"admitted node {reply.NodeId}; wrote its admission to {p.GetValue(output)}. Start the node with --join {p.GetValue(output)}.",
                    ["nodeId"] = reply.NodeId, ["admission"] = p.GetValue(output),
                };
            }));

        var nodeId = new Option<string>("--node-id") { Description = "Id of the node to remove (see `cloudhsm cluster info`).", Required = true };
        cluster.Subcommands.Add(UserCommands.Make("remove-node", "Remove a node from the cluster; its certificate is refused from then on (CO).", [nodeId], CoreUserType.CO,
            async (c, p) =>
            {
                await c.RemoveNodeAsync(p.GetValue(nodeId)!);
                return new JsonObject { ["result"] = $"removed node {p.GetValue(nodeId)}", ["nodeId"] = p.GetValue(nodeId) };
            }));

        var verify = new Command("verify", $"Compare users and keys on every node by content digests; exit {ExitCodes.NotInSync} and list the differences when they are not in sync.");
        verify.SetAction(async (parse, _) =>
        {
            var inSync = true;
            var code = await CommonOptions.RunAsync(parse, async () =>
            {
                using var client = await CommonOptions.LoggedInClientAsync(parse, CoreUserType.CO);
                try
                {
                    var reply = await client.VerifyClusterAsync();
                    inSync = reply.InSync;
                    return ClusterTables.VerifyJson(reply);
                }
                finally
                {
                    await UserCommands.LogoutQuietlyAsync(client);
                }
            }, r => string.Join(Environment.NewLine, ClusterTables.Verify(r)));
            return code == ExitCodes.Ok && !inSync ? ExitCodes.NotInSync : code;
        });
        cluster.Subcommands.Add(verify);
        return cluster;
    }
}
