using System.Collections.Concurrent;
using CloudHsm.Core.Commands;

namespace CloudHsm.Cluster.Replication;

/// <summary>
/// Submissions waiting for their log entry to be applied on this node: the state machine completes each with
/// the command's result or its refusal, found by the submission id the entry carries.
/// </summary>
public sealed class PendingApplies
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<CommandResult>> _waiting = new();

    public Task<CommandResult> Register(Guid submission)
    {
        var source = new TaskCompletionSource<CommandResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[submission] = source;
        return source.Task;
    }

    public void Forget(Guid submission) => _waiting.TryRemove(submission, out _);

    public void Complete(Guid submission, CommandResult result)
    {
        if (_waiting.TryRemove(submission, out var source)) source.TrySetResult(result);
    }

    public void Fail(Guid submission, Exception refusal)
    {
        if (_waiting.TryRemove(submission, out var source)) source.TrySetException(refusal);
    }
}
