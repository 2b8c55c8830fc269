namespace CloudHsm.Core.Commands;

/// <summary>
/// Where commands go to be applied: the local log of a standalone node, or the Raft log of the cluster.
/// Returns once the command is applied (or throws its refusal, with nothing changed).
/// </summary>
public interface ICommandLog
{
    ValueTask<CommandResult> SubmitAsync(PartitionCommand command, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns once this replica has applied everything the cluster had committed when it was called (a
    /// read barrier, for reads where staleness matters, such as login). Immediate on a standalone node.
    /// </summary>
    ValueTask ReadBarrierAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
