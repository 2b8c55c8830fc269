using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;

namespace CloudHsm.Core.Commands;

/// <summary>Cluster membership as partition state: which nodes (and certificates) belong to it.</summary>
public static partial class PartitionStateMachine
{
    public const int MaxNodes = 7;

    private static void AdmitNode(AdmitNode c, PartitionRecord partition, IPartitionWriter state)
    {
        if (c.Actor is { } actor)
        {
            RequireCurrentActor(state, actor);
            Permissions.Require(actor, partition, Operation.ManageCluster);
        }
        else if (partition.Nodes.Count > 0)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "Only a CO can admit a node to the cluster.");
        }
        if (partition.Nodes.Any(n => n.Id == c.Node.Id))
        {
            throw new HsmException(HsmError.RET_NODE_ALREADY_ADMITTED, $"Node {c.Node.Id} is already a member of the cluster.");
        }
        if (partition.Nodes.Any(n => n.ClusterEndpoint == c.Node.ClusterEndpoint))
        {
            throw new HsmException(HsmError.RET_NODE_ALREADY_ADMITTED,
                $"A node at {c.Node.ClusterEndpoint} is already a member; remove it first (removeNode) to replace it.");
        }
        if (partition.Nodes.Count >= MaxNodes)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, $"The cluster holds its limit of {MaxNodes} nodes.");
        }
        state.SetPartition(partition with { Nodes = [.. partition.Nodes, c.Node] });
    }

    private static void RemoveNode(RemoveNode c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.ManageCluster);
        if (partition.Nodes.All(n => n.Id != c.NodeId))
        {
            throw new HsmException(HsmError.RET_NODE_NOT_FOUND, $"No node {c.NodeId} in the cluster.");
        }
        if (partition.Nodes.Count == 1)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "The last node of the cluster cannot be removed.");
        }
        state.SetPartition(partition with { Nodes = [.. partition.Nodes.Where(n => n.Id != c.NodeId)] });
    }
}
