using CloudHsm.Protocol.V1;

namespace CloudHsm.Client;

/// <summary>Cluster membership (CO, or PRECO before activation) and sync verification.</summary>
public sealed partial class HsmClient
{
    private static Cluster.ClusterClient ClusterApi(Grpc.Net.Client.GrpcChannel channel) => new(channel);

    /// <summary>
    /// Admits the node whose join request (the JSON `cloudhsm node request` printed) is given; the
    /// reply's admission is what the new node starts with (`cloudhsm node --join FILE`).
    /// </summary>
    public Task<AddNodeReply> AddNodeAsync(string joinRequest, CancellationToken ct = default) =>
        CallAsync((c, o) => ClusterApi(c).AddNodeAsync(new AddNodeRequest { JoinRequest = joinRequest }, o).ResponseAsync, ct);

    /// <summary>Removes a node from the cluster; its certificate is refused from then on.</summary>
    public Task RemoveNodeAsync(string nodeId, CancellationToken ct = default) =>
        CallAsync((c, o) => ClusterApi(c).RemoveNodeAsync(new RemoveNodeRequest { NodeId = nodeId }, o).ResponseAsync, ct);

    /// <summary>Compares the users and keys of every node by content digests.</summary>
    public Task<ClusterVerifyReply> VerifyClusterAsync(CancellationToken ct = default) =>
        CallAsync((c, o) => ClusterApi(c).VerifyAsync(new Empty(), o).ResponseAsync, ct);
}
