using CloudHsm.Core.Commands;
using CloudHsm.Core.Partition;

namespace CloudHsm.Storage;

/// <summary>
/// The single-node command log: each command goes through its byte form (as Raft will carry it)
/// and is applied by <see cref="PartitionStateMachine"/> in one store transaction.
/// </summary>
public sealed class LocalCommandLog(IPartitionStore store) : ICommandLog
{
    public event Action<PartitionCommand>? Applied;

    public ValueTask<CommandResult> SubmitAsync(PartitionCommand command, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (command.RequestId is null && RequestScope.NextCommandId() is { } id) command = command with { RequestId = id };
        var entry = CommandJson.Deserialize(CommandJson.Serialize(command));
        var result = store.Apply(writer => PartitionStateMachine.Apply(entry, writer));
        if (!result.Replayed) Applied?.Invoke(entry);
        return ValueTask.FromResult(result);
    }
}
