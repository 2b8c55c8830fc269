using CloudHsm.Core.Commands;

namespace CloudHsm.Cluster.Replication;

/// <summary>
/// Hands a log entry to the leader (a follower cannot append): the node implements it with a gRPC call to the
/// leader's client API, authenticated by this node's certificate. Returns the outcome and the entry's log index once applied there, throws
/// the refusal (HsmException), or throws <see cref="LeaderUnreachableException"/> to be retried.
/// </summary>
public interface ILeaderForwarder
{
    Task<AppliedEntry> ForwardAsync(string leaderServiceEndpoint, byte[] entry, CancellationToken ct);
}

public sealed class LeaderUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
