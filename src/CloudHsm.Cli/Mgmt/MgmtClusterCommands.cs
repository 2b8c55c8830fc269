using CloudHsm.Cli.Cluster;
using CloudHsm.Cli.Support;

namespace CloudHsm.Cli.Mgmt;

/// <summary>
/// The shell's sync commands, kept for compatibility with azcloudhsm_mgmt_util. Here every change is
/// replicated by consensus, so there is nothing to copy by hand: these commands compare what each
/// node holds (by content digest, through Cluster.Verify) and report agreement or the difference.
/// </summary>
internal static class MgmtClusterCommands
{
    public const string NotInSync = "RET_CLUSTER_NOT_IN_SYNC";

    public static IEnumerable<ShellCommand> All { get; } =
    [
        new("getKeyDiffMap", "getKeyDiffMap", "For every key: which nodes hold it, and whether their copies are identical.", 0, 0,
            (s, _) => DiffMapAsync(s, ClusterDiffMap.Keys, "getKeyDiffMap")),
        new("getUserDiffMap", "getUserDiffMap", "For every user: which nodes hold it, and whether their copies are identical.", 0, 0,
            (s, _) => DiffMapAsync(s, ClusterDiffMap.Users, "getUserDiffMap")),
        new("syncUser", "syncUser <user-id | user-name> [<server-id>]",
            "Check that a user is identical on every node (replication is automatic; nothing is copied).", 1, 2, SyncUserAsync),
        new("syncKey", "syncKey <key-handle> [<server-id>]",
            "Check that a key is identical on every node (replication is automatic; nothing is copied).", 1, 2, SyncKeyAsync),
    ];

    private static async Task DiffMapAsync(MgmtShell s, string kind, string command)
    {
        var map = ClusterDiffMap.Build(await s.Client.VerifyClusterAsync(), kind);
        foreach (var line in map.Table()) s.Output.WriteLine(line);
        var differences = map.Differences.Count();
        var unreachable = map.Nodes.Count(n => !n.Reachable);
        if (differences == 0 && unreachable == 0) s.Output.WriteLine($"{command} success: no differences ({map.Rows.Count} {kind}s on {map.Nodes.Count} nodes)");
        else s.Output.WriteLine($"{command}: {differences} {kind}(s) differ{(unreachable > 0 ? $", {unreachable} node(s) did not answer" : "")}");
    }

    private static async Task SyncUserAsync(MgmtShell s, string[] a)
    {
        ServerId(s, a);
        var name = a[0];
        if (int.TryParse(name, out var id))
        {
            name = (await s.Client.ListUsersAsync()).FirstOrDefault(u => u.Id == id)?.Name
                ?? throw new CliException("RET_USER_NOT_FOUND", $"There is no user with id {id}.");
        }
        await CheckAsync(s, ClusterDiffMap.Users, name, "syncUser", $"user {name}", "RET_USER_NOT_FOUND");
    }

    private static async Task SyncKeyAsync(MgmtShell s, string[] a)
    {
        ServerId(s, a);
        if (!ulong.TryParse(a[0], out var handle) || handle == 0) throw new CliException("RET_INVALID_INPUT", "A key handle is a positive number.");
        await CheckAsync(s, ClusterDiffMap.Keys, handle.ToString(System.Globalization.CultureInfo.InvariantCulture), "syncKey", $"key {handle}", "RET_KEY_NOT_FOUND");
    }

    /// <summary>The optional destination server of Azure's syntax: checked to be a server of the configuration, then not needed.</summary>
    private static void ServerId(MgmtShell s, string[] a)
    {
        if (a.Length < 2) return;
        if (!int.TryParse(a[1], out var server) || server < 0 || server >= s.Config.Nodes.Count)
        {
            throw new CliException("RET_INVALID_INPUT", $"The server id is 0..{s.Config.Nodes.Count - 1}, in the order of the configuration's nodes.");
        }
    }

    private static async Task CheckAsync(MgmtShell s, string kind, string name, string command, string what, string notFound)
    {
        var map = ClusterDiffMap.Build(await s.Client.VerifyClusterAsync(), kind);
        var row = map.Find(name) ?? throw new CliException(notFound, $"No node holds {what}.");
        if (row.Identical)
        {
            s.Output.WriteLine($"{command} success: {what} is identical on all {map.Nodes.Count} nodes; replication is automatic, nothing was copied");
            return;
        }
        foreach (var line in ClusterDiffMap.Legend(map.Nodes)) s.Output.WriteLine(line);
        throw new CliException(NotInSync,
            $"{what}: {row.Status}. A lagging node catches up by itself (see getClusterInfo); a node that does not is replaced (docs/CLUSTER.md).");
    }
}
