using CloudHsm.Core.Commands;

namespace CloudHsm.Cluster.Replication;

/// <summary>
/// The command log of a cluster node: each command becomes a Raft log entry and is acknowledged only once a
/// majority persisted it and this node's leader applied it. A command without a client request id gets the
/// submission id as one, so that a resubmission of the same entry (after a lost reply) is applied once.
/// </summary>
public sealed class RaftCommandLog(ClusterRuntime cluster) : ICommandLog
{
    public async ValueTask<CommandResult> SubmitAsync(PartitionCommand command, CancellationToken cancellationToken = default)
    {
        var submission = Guid.NewGuid();
        command = command with { RequestId = command.RequestId ?? RequestScope.NextCommandId() ?? "s-" + submission.ToString("N") };
        return await cluster.SubmitAsync(LogEntryPayload.Create(submission, command), cancellationToken);
    }

    public ValueTask ReadBarrierAsync(CancellationToken cancellationToken = default) => cluster.ReadBarrierAsync(cancellationToken);
}
