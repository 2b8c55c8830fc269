using CloudHsm.Core.Commands;
using CloudHsm.Core.Partition;

namespace CloudHsm.Core.Tests.Support;

/// <summary>Applies each command in its byte form, as the local log and Raft do.</summary>
internal sealed class InMemoryCommandLog(IPartitionStore store) : ICommandLog
{
    public List<PartitionCommand> Applied { get; } = [];

    public ValueTask<CommandResult> SubmitAsync(PartitionCommand command, CancellationToken cancellationToken = default)
    {
        if (command.RequestId is null && RequestScope.NextCommandId() is { } id) command = command with { RequestId = id };
        var entry = CommandJson.Deserialize(CommandJson.Serialize(command));
        var result = store.Apply(writer => PartitionStateMachine.Apply(entry, writer));
        Applied.Add(entry);
        return ValueTask.FromResult(result);
    }
}
