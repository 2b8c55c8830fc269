using CloudHsm.Core.Errors;
using CloudHsm.Node.Hosting;
using CloudHsm.Protocol.V1;
using Grpc.Core;
using ClusterNode = CloudHsm.Protocol.V1.ClusterNode;

namespace CloudHsm.Node.Services;

/// <summary>
/// gRPC ClusterPeer service: node-to-node calls, served only to a connection whose client certificate is the
/// certificate of a node this partition admitted.
/// </summary>
public sealed class ClusterPeerGrpcService(NodeRuntime node) : ClusterPeer.ClusterPeerBase
{
    public override async Task<PeerSubmitReply> Submit(PeerSubmitRequest request, ServerCallContext context)
    {
        var cluster = RequirePeer(context);
        var applied = await cluster.SubmitToLeaderAsync(request.Entry.ToByteArray(), context.CancellationToken);
        var reply = new PeerSubmitReply { Replayed = applied.Result.Replayed, Index = applied.Index };
        reply.Handles.AddRange(applied.Result.Handles);
        return reply;
    }

    public override Task<ClusterNode> GetStatus(Empty request, ServerCallContext context)
    {
        RequirePeer(context);
        return Task.FromResult(node.View!.LocalStatus());
    }

    public override Task<NodeDigest> GetDigest(Empty request, ServerCallContext context)
    {
        RequirePeer(context);
        return Task.FromResult(node.View!.LocalDigest());
    }

    private CloudHsm.Cluster.ClusterRuntime RequirePeer(ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (node.Cluster is not { } cluster || certificate is null || node.ClusterTrust?.Verify(certificate) is null)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "Only a node of this cluster may call this.");
        }
        return cluster;
    }
}
