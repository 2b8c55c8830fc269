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

    public ValueTask SubmitAsync(PartitionCommand command, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var entry = CommandJson.Deserialize(CommandJson.Serialize(command));
        store.Apply(writer =>
        {
            PartitionStateMachine.Apply(entry, writer);
            return true;
        });
        Applied?.Invoke(entry);
        return ValueTask.CompletedTask;
    }
}
