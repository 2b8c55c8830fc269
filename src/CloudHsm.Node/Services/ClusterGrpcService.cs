using CloudHsm.Cluster.Admission;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;
using CloudHsm.Node.Hosting;
using CloudHsm.Protocol.V1;
using Grpc.Core;

namespace CloudHsm.Node.Services;

/// <summary>gRPC Cluster service: addNode, removeNode and verification, for a logged-in user.</summary>
public sealed class ClusterGrpcService(NodeRuntime node) : Protocol.V1.Cluster.ClusterBase
{
    public override async Task<AddNodeReply> AddNode(AddNodeRequest request, ServerCallContext context)
    {
        var login = context.RequireLogin(node.Service.Sessions);
        var admission = await node.AdmitNodeAsync(login, JoinRequest.Parse(request.JoinRequest), context.CancellationToken);
        return new AddNodeReply { Admission = admission.ToJson(), NodeId = admission.NodeId };
    }

    public override async Task<Empty> RemoveNode(RemoveNodeRequest request, ServerCallContext context)
    {
        var login = context.RequireLogin(node.Service.Sessions);
        await node.RemoveNodeAsync(login, request.NodeId, context.CancellationToken);
        return new Empty();
    }

    public override async Task<ClusterVerifyReply> Verify(Empty request, ServerCallContext context)
    {
        var login = context.RequireLogin(node.Service.Sessions);
        Permissions.Require(login.Actor, node.Store.RequirePartition(), Operation.ViewCluster);
        var view = node.View ?? throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "This node is standalone: there is no other replica to compare with.");
        return await view.VerifyAsync(context.CancellationToken);
    }
}
