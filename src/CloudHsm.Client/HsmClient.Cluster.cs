using CloudHsm.Protocol.V1;

namespace CloudHsm.Client;

/// <summary>Cluster membership (CO, or PRECO before activation) and sync verification.</summary>
public sealed partial class HsmClient
{
    private Cluster.ClusterClient ClusterApi => new(_channels[_current]);

    /// <summary>
    /// Admits the node whose join request (the JSON `cloudhsm node request` printed) is given; the
    /// reply's admission is what the new node starts with (`cloudhsm node --join FILE`).
    /// </summary>
    public Task<AddNodeReply> AddNodeAsync(string joinRequest, CancellationToken ct = default) =>
        CallAsync(o => ClusterApi.AddNodeAsync(new AddNodeRequest { JoinRequest = joinRequest }, o).ResponseAsync, ct);

    /// <summary>Removes a node from the cluster; its certificate is refused from then on.</summary>
    public Task RemoveNodeAsync(string nodeId, CancellationToken ct = default) =>
        CallAsync(o => ClusterApi.RemoveNodeAsync(new RemoveNodeRequest { NodeId = nodeId }, o).ResponseAsync, ct);

    /// <summary>Compares the users and keys of every node by content digests.</summary>
    public Task<ClusterVerifyReply> VerifyClusterAsync(CancellationToken ct = default) =>
        CallAsync(o => ClusterApi.VerifyAsync(new Empty(), o).ResponseAsync, ct);
}
