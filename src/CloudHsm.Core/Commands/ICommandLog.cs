namespace CloudHsm.Core.Commands;

/// <summary>
/// Where commands go to be applied: a local log today, the Raft log of the cluster later. Returns
/// once the command is applied (or throws its refusal, with nothing changed).
/// </summary>
public interface ICommandLog
{
    ValueTask SubmitAsync(PartitionCommand command, CancellationToken cancellationToken = default);
}
