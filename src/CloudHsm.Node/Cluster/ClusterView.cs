using CloudHsm.Core.Partition;
using CloudHsm.Node.Hosting;
using CloudHsm.Protocol.V1;
using ClusterNode = CloudHsm.Protocol.V1.ClusterNode;

namespace CloudHsm.Node.Cluster;

/// <summary>
/// The cluster as one node sees it by asking every admitted node: each node's Raft position (getClusterInfo),
/// and the comparison of every replica's users and keys by content digests (cluster verify, getKeyDiffMap).
/// </summary>
public sealed class ClusterView(NodeRuntime node, PeerChannels peers)
{
    public ClusterNode LocalStatus()
    {
        var info = node.Service.GetInfo();
        var status = node.Cluster!.Status();
        var self = node.Store.Partition?.Nodes.FirstOrDefault(n => n.Id == node.NodeId);
        return new ClusterNode
        {
            Id = node.NodeId ?? "",
            Endpoint = self?.ServiceEndpoint ?? node.Options.Listen[0].ToString(),
            ClusterEndpoint = node.Cluster.LocalEndpoint,
            Role = status.Role,
            Healthy = status.Leader is not null,
            AppliedCommands = info.AppliedCommands,
            Term = status.Term,
            CommitIndex = status.CommitIndex,
            AppliedIndex = status.AppliedIndex,
            InstalledSnapshotIndex = node.Cluster.StateMachine.InstalledSnapshotIndex,
        };
    }

    public async Task<ClusterInfo> InfoAsync(CancellationToken ct)
    {
        var partition = node.Store.RequirePartition();
        var nodes = await Task.WhenAll(partition.Nodes.Select(async n =>
        {
            if (n.Id == node.NodeId) return LocalStatus();
            return await peers.StatusAsync(n.ServiceEndpoint, ct)
                ?? new ClusterNode { Id = n.Id, Endpoint = n.ServiceEndpoint, ClusterEndpoint = n.ClusterEndpoint, Role = "unreachable" };
        }));
        var leader = nodes.FirstOrDefault(n => n.Role == "leader");
        var commit = leader?.CommitIndex ?? nodes.Max(n => n.CommitIndex);
        foreach (var n in nodes.Where(n => n.Role != "unreachable")) n.Lag = Math.Max(0, commit - n.AppliedIndex);
        var reply = new ClusterInfo { SerialNumber = partition.SerialNumber, Leader = leader?.Id ?? "", InSync = nodes.All(n => n.Healthy && n.Lag == 0) };
        reply.Nodes.AddRange(nodes);
        return reply;
    }

    public NodeDigest LocalDigest()
    {
        var digests = node.Store.ContentDigests();
        var reply = new NodeDigest
        {
            NodeId = node.NodeId ?? "",
            Endpoint = node.Options.Listen[0].ToString(),
            Reachable = true,
            Users = digests.Count(d => d.Kind == "user"),
            Keys = digests.Count(d => d.Kind == "key"),
            UsersDigest = Combine(digests.Where(d => d.Kind == "user")),
            KeysDigest = Combine(digests.Where(d => d.Kind == "key")),
            AppliedIndex = node.Store.AppliedIndex,
        };
        reply.Items.AddRange(digests.Where(d => d.Kind is "user" or "key").Select(d => new ItemDigest { Kind = d.Kind, Name = d.Name, Digest = d.Digest }));
        return reply;
    }

    public async Task<ClusterVerifyReply> VerifyAsync(CancellationToken ct)
    {
        var partition = node.Store.RequirePartition();
        // Compare replicas at the same point: everything committed now is applied here first.
        await node.Log.ReadBarrierAsync(ct);
        var digests = await Task.WhenAll(partition.Nodes.Select(async n =>
            n.Id == node.NodeId ? LocalDigest()
            : await peers.DigestAsync(n.ServiceEndpoint, ct) ?? new NodeDigest { NodeId = n.Id, Endpoint = n.ServiceEndpoint, Reachable = false }));
        var reply = new ClusterVerifyReply();
        reply.Nodes.AddRange(digests);
        foreach (var unreachable in digests.Where(d => !d.Reachable)) reply.Differences.Add($"node {unreachable.NodeId} ({unreachable.Endpoint}) did not answer");
        var reachable = digests.Where(d => d.Reachable).ToList();
        var items = reachable.SelectMany(d => d.Items.Select(i => (Node: d.NodeId, Item: i))).GroupBy(x => (x.Item.Kind, x.Item.Name));
        foreach (var item in items.OrderBy(g => g.Key.Kind, StringComparer.Ordinal).ThenBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            var missing = reachable.Select(d => d.NodeId).Except(item.Select(x => x.Node)).ToList();
            if (missing.Count > 0) reply.Differences.Add($"{item.Key.Kind} {item.Key.Name}: missing on node {string.Join(", ", missing)}");
            else if (item.Select(x => x.Item.Digest).Distinct().Count() > 1) reply.Differences.Add($"{item.Key.Kind} {item.Key.Name}: differs between nodes");
        }
        reply.InSync = reply.Differences.Count == 0;
        return reply;
    }

    private static string Combine(IEnumerable<(string Kind, string Name, string Digest)> items)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (kind, name, digest) in items.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{kind}/{name}/{digest}\n"));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
