namespace CloudHsm.Client.Resilience;

/// <summary>
/// Refusals a node sends that say "not now" rather than "no": the cluster has no majority (writes
/// refused; another node may have one), or the node is still joining or catching up. A client retries
/// them on another node until its deadline, as it does a node it cannot reach.
/// </summary>
public static class TransientRefusals
{
    public const string ClusterNoQuorum = "RET_CLUSTER_NO_QUORUM";
    public const string NodeNotReady = "RET_NODE_NOT_READY";

    public static bool Contains(string errorName) => errorName is ClusterNoQuorum or NodeNotReady;
}
