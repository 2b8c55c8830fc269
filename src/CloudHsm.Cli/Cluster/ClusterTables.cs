using System.Text.Json.Nodes;
using CloudHsm.Cli.Support;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Cli.Cluster;

/// <summary>`cluster info` and `cluster verify` results: as JSON for scripts, and as tables for people.</summary>
internal static class ClusterTables
{
    public static JsonObject InfoJson(ClusterInfo info)
    {
        var nodes = new JsonArray();
        foreach (var n in info.Nodes)
        {
            nodes.Add(new JsonObject
            {
                ["id"] = n.Id, ["endpoint"] = n.Endpoint, ["role"] = n.Role, ["healthy"] = n.Healthy,
                ["term"] = n.Term, ["commitIndex"] = n.CommitIndex, ["appliedIndex"] = n.AppliedIndex, ["lag"] = n.Lag,
                ["appliedCommands"] = n.AppliedCommands, ["clusterEndpoint"] = n.ClusterEndpoint,
                ["installedSnapshotIndex"] = n.InstalledSnapshotIndex,
            });
        }
        return new JsonObject { ["serialNumber"] = info.SerialNumber, ["leader"] = info.Leader, ["inSync"] = info.InSync, ["nodes"] = nodes };
    }

    public static IEnumerable<string> Info(JsonObject r)
    {
        var leader = r["leader"]?.ToString() is { Length: > 0 } l ? l : "none known";
        yield return $"partition {r["serialNumber"]}, leader {leader}, in sync: {((bool)r["inSync"]! ? "yes" : "NO")}";
        var rows = r["nodes"]!.AsArray().Select(n => (IReadOnlyList<string>)
        [
            n!["id"]!.ToString(), n["endpoint"]!.ToString(), n["role"]!.ToString(), (bool)n["healthy"]! ? "healthy" : "UNHEALTHY",
            n["term"]!.ToString(), n["commitIndex"]!.ToString(), n["appliedIndex"]!.ToString(), n["lag"]!.ToString(),
            n["appliedCommands"]!.ToString(), n["clusterEndpoint"]?.ToString() is { Length: > 0 } c ? c : "-",
        ]);
        foreach (var line in TextTable.Render(["NODE", "ENDPOINT", "ROLE", "HEALTH", "TERM", "COMMIT", "APPLIED", "LAG", "COMMANDS", "CLUSTER ENDPOINT"], rows))
        {
            yield return line;
        }
    }

    public static JsonObject VerifyJson(ClusterVerifyReply reply)
    {
        var nodes = new JsonArray();
        foreach (var n in reply.Nodes)
        {
            nodes.Add(new JsonObject
            {
                ["id"] = n.NodeId, ["endpoint"] = n.Endpoint, ["reachable"] = n.Reachable, ["appliedIndex"] = n.AppliedIndex,
                ["users"] = n.Users, ["usersDigest"] = n.UsersDigest, ["keys"] = n.Keys, ["keysDigest"] = n.KeysDigest,
            });
        }
        return new JsonObject
        {
            ["inSync"] = reply.InSync,
            ["nodes"] = nodes,
            ["differences"] = new JsonArray(reply.Differences.Select(d => (JsonNode)d!).ToArray()),
        };
    }

    public static IEnumerable<string> Verify(JsonObject r)
    {
        var rows = r["nodes"]!.AsArray().Select(n => (IReadOnlyList<string>)
        [
            n!["id"]!.ToString(), n["endpoint"]!.ToString(), (bool)n["reachable"]! ? "yes" : "NO", n["appliedIndex"]!.ToString(),
            n["users"]!.ToString(), Short(n["usersDigest"]), n["keys"]!.ToString(), Short(n["keysDigest"]),
        ]);
        foreach (var line in TextTable.Render(["NODE", "ENDPOINT", "ANSWERED", "APPLIED", "USERS", "USERS DIGEST", "KEYS", "KEYS DIGEST"], rows))
        {
            yield return line;
        }
        var differences = r["differences"]!.AsArray();
        if ((bool)r["inSync"]!)
        {
            yield return "in sync: every node holds the same users and keys.";
            yield break;
        }
        yield return $"NOT in sync: {differences.Count} difference(s):";
        foreach (var d in differences) yield return "  " + d;
    }

    /// <summary>The first 16 hex digits: enough to see that digests agree.</summary>
    private static string Short(JsonNode? digest) => digest?.ToString() is { Length: > 0 } d ? d[..Math.Min(16, d.Length)] : "-";
}
