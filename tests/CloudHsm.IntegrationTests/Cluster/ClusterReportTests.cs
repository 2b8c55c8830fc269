using System.Text.Json.Nodes;
using CloudHsm.Cli.Cluster;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Cluster;

/// <summary>
/// What getKeyDiffMap/getUserDiffMap, syncKey/syncUser and `cluster verify`/`cluster info` make of the
/// nodes' digests (no process: the reports themselves).
/// </summary>
public sealed class ClusterReportTests
{
    private static NodeDigest Node(string id, bool reachable, params (string Kind, string Name, string Digest)[] items)
    {
        var node = new NodeDigest { NodeId = id, Endpoint = $"127.0.0.1:{id.Length}", Reachable = reachable };
        node.Items.AddRange(items.Select(i => new ItemDigest { Kind = i.Kind, Name = i.Name, Digest = i.Digest }));
        return node;
    }

    private static ClusterVerifyReply Reply(params NodeDigest[] nodes)
    {
        var reply = new ClusterVerifyReply();
        reply.Nodes.AddRange(nodes);
        return reply;
    }

    [Fact]
    public void OnAHealthyClusterEveryItemIsIdenticalAndNothingDiffers()
    {
        (string, string, string)[] same = [("key", "12", "d1"), ("key", "7", "d2"), ("user", "admin", "u1")];
        var reply = Reply(Node("a", true, same), Node("b", true, same), Node("c", true, same));

        var keys = ClusterDiffMap.Build(reply, ClusterDiffMap.Keys);

        Assert.Equal(["7", "12"], keys.Rows.Select(r => r.Name)); // by handle, as numbers
        Assert.Empty(keys.Differences);
        Assert.All(keys.Rows, r => Assert.Equal("identical", r.Status));
        Assert.Equal("admin", Assert.Single(ClusterDiffMap.Build(reply, ClusterDiffMap.Users).Rows).Name);
    }

    [Fact]
    public void AKeyMissingOnOneNodeNamesThatServer()
    {
        var reply = Reply(Node("a", true, ("key", "5", "d")), Node("b", true), Node("c", true, ("key", "5", "d")));

        var row = Assert.Single(ClusterDiffMap.Build(reply, ClusterDiffMap.Keys).Differences);

        Assert.False(row.Identical);
        Assert.Equal("MISSING on 1", row.Status);
        Assert.Contains(ClusterDiffMap.Build(reply, ClusterDiffMap.Keys).Table(), l => l.StartsWith("5 ", StringComparison.Ordinal) && l.Contains("yes no  yes", StringComparison.Ordinal));
    }

    [Fact]
    public void CopiesWithDifferentDigestsDiffer()
    {
        var reply = Reply(Node("a", true, ("user", "bob", "x")), Node("b", true, ("user", "bob", "y")), Node("c", true, ("user", "bob", "x")));

        var row = Assert.Single(ClusterDiffMap.Build(reply, ClusterDiffMap.Users).Differences);

        Assert.Equal("DIFFERS", row.Status);
    }

    [Fact]
    public void ANodeThatDidNotAnswerLeavesNothingProvenIdentical()
    {
        var reply = Reply(Node("a", true, ("key", "5", "d")), Node("b", false), Node("c", true, ("key", "5", "d")));

        var map = ClusterDiffMap.Build(reply, ClusterDiffMap.Keys);

        Assert.Equal("UNKNOWN on 1 (no answer)", Assert.Single(map.Differences).Status);
        Assert.Contains(ClusterDiffMap.Legend(map.Nodes), l => l.Contains("NOT REACHABLE", StringComparison.Ordinal));
    }

    [Fact]
    public void VerifyListsTheDifferencesWhenNotInSync()
    {
        var reply = Reply(Node("a", true), Node("b", true));
        reply.InSync = false;
        reply.Differences.Add("key 1234: missing on node b");

        var lines = ClusterTables.Verify(ClusterTables.VerifyJson(reply)).ToList();

        Assert.Contains("NOT in sync: 1 difference(s):", lines);
        Assert.Contains("  key 1234: missing on node b", lines);
    }

    [Fact]
    public void VerifySaysInSyncWhenItIs()
    {
        var reply = Reply(Node("a", true), Node("b", true));
        reply.InSync = true;

        Assert.Contains(ClusterTables.Verify(ClusterTables.VerifyJson(reply)), l => l.StartsWith("in sync", StringComparison.Ordinal));
    }

    [Fact]
    public void InfoShowsRoleTermCommitAppliedAndLagPerNode()
    {
        var info = new ClusterInfo { SerialNumber = "S1", Leader = "n1", InSync = false };
        info.Nodes.Add(new ClusterNode { Id = "n1", Endpoint = "127.0.0.1:1", Role = "leader", Healthy = true, Term = 3, CommitIndex = 40, AppliedIndex = 40 });
        info.Nodes.Add(new ClusterNode { Id = "n2", Endpoint = "127.0.0.1:2", Role = "follower", Healthy = false, Term = 3, CommitIndex = 31, AppliedIndex = 30, Lag = 10 });

        var lines = ClusterTables.Info(ClusterTables.InfoJson(info)).ToList();

        Assert.Equal("partition S1, leader n1, in sync: NO", lines[0]);
        Assert.Equal(["NODE", "ENDPOINT", "ROLE", "HEALTH", "TERM", "COMMIT", "APPLIED", "LAG"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..8]);
        Assert.Equal(["n2", "127.0.0.1:2", "follower", "UNHEALTHY", "3", "31", "30", "10"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..8]);
        Assert.IsType<JsonObject>(ClusterTables.InfoJson(info)["nodes"]![0]);
    }
}
