using CloudHsm.Protocol.V1;

namespace CloudHsm.Cli.Cluster;

/// <summary>What one node holds of one item: its digest, nothing (missing), or unknown (the node did not answer).</summary>
internal readonly record struct NodeHolding(bool Reachable, string? Digest)
{
    public bool Missing => Reachable && Digest is null;
}

/// <summary>One user or key across the nodes: what each node holds, and whether they all hold the same record.</summary>
internal sealed record DiffRow(string Name, IReadOnlyList<NodeHolding> Holdings)
{
    public bool Identical => Holdings.All(h => h.Reachable && h.Digest is not null)
        && Holdings.Select(h => h.Digest).Distinct(StringComparer.Ordinal).Count() == 1;

    /// <summary>"identical", or what is wrong in words, naming nodes by their server index.</summary>
    public string Status
    {
        get
        {
            if (Identical) return "identical";
            var parts = new List<string>();
            var missing = Indexes(h => h.Missing);
            if (missing.Count > 0) parts.Add($"MISSING on {string.Join(',', missing)}");
            var unknown = Indexes(h => !h.Reachable);
            if (unknown.Count > 0) parts.Add($"UNKNOWN on {string.Join(',', unknown)} (no answer)");
            if (Holdings.Where(h => h.Digest is not null).Select(h => h.Digest).Distinct(StringComparer.Ordinal).Count() > 1) parts.Add("DIFFERS");
            return string.Join("; ", parts);
        }
    }

    private List<int> Indexes(Func<NodeHolding, bool> predicate) =>
        Holdings.Select((h, i) => (h, i)).Where(x => predicate(x.h)).Select(x => x.i).ToList();
}

/// <summary>
/// getKeyDiffMap / getUserDiffMap: every user or key that any node holds, with what each node holds of
/// it, from the digests `Cluster.Verify` gathered. Nodes are numbered like the servers of
/// azcloudhsm_mgmt_util: in the order the reply lists them.
/// </summary>
internal sealed class ClusterDiffMap
{
    public const string Users = "user";
    public const string Keys = "key";

    private ClusterDiffMap(string kind, IReadOnlyList<NodeDigest> nodes, IReadOnlyList<DiffRow> rows)
    {
        Kind = kind;
        Nodes = nodes;
        Rows = rows;
    }

    public string Kind { get; }
    public IReadOnlyList<NodeDigest> Nodes { get; }
    public IReadOnlyList<DiffRow> Rows { get; }
    public IEnumerable<DiffRow> Differences => Rows.Where(r => !r.Identical);

    public static ClusterDiffMap Build(ClusterVerifyReply reply, string kind)
    {
        var nodes = reply.Nodes.ToList();
        var perNode = nodes.Select(n => n.Items.Where(i => i.Kind == kind)
            .GroupBy(i => i.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Digest, StringComparer.Ordinal)).ToList();
        var names = perNode.SelectMany(d => d.Keys).Distinct(StringComparer.Ordinal);
        var ordered = kind == Keys
            ? names.OrderBy(n => ulong.TryParse(n, out var h) ? h : ulong.MaxValue).ThenBy(n => n, StringComparer.Ordinal)
            : names.OrderBy(n => n, StringComparer.Ordinal);
        var rows = ordered.Select(name => new DiffRow(name, nodes.Select((n, i) =>
            new NodeHolding(n.Reachable, perNode[i].TryGetValue(name, out var d) ? d : null)).ToList())).ToList();
        return new ClusterDiffMap(kind, nodes, rows);
    }

    public DiffRow? Find(string name) => Rows.FirstOrDefault(r => r.Name == name);

    /// <summary>The legend ("server 0 = node id (endpoint)") and one row per item: yes/no/? per server, then the status.</summary>
    public IEnumerable<string> Table()
    {
        foreach (var line in Legend(Nodes)) yield return line;
        var label = Kind == Keys ? "Key handle" : "User name";
        var servers = string.Concat(Nodes.Select((_, i) => $"{i,-4}"));
        yield return $"{label,-32} {servers}Status";
        foreach (var row in Rows)
        {
            var cells = string.Concat(row.Holdings.Select(h => $"{(!h.Reachable ? "?" : h.Digest is null ? "no" : "yes"),-4}"));
            yield return $"{row.Name,-32} {cells}{row.Status}";
        }
    }

    public static IEnumerable<string> Legend(IEnumerable<NodeDigest> nodes) => nodes.Select((n, i) =>
        $"server {i} = {n.NodeId} ({n.Endpoint}){(n.Reachable ? "" : " NOT REACHABLE")}");
}
