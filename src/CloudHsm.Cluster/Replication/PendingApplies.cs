using System.Collections.Concurrent;
using CloudHsm.Core.Commands;

namespace CloudHsm.Cluster.Replication;

/// <summary>
/// Submissions waiting for their log entry to be applied on this node: the state machine completes each with
/// the command's result or its refusal, found by the submission id the entry carries.
/// </summary>
public sealed class PendingApplies
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<AppliedEntry>> _waiting = new();

    public Task<AppliedEntry> Register(Guid submission)
    {
        var source = new TaskCompletionSource<AppliedEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[submission] = source;
        return source.Task;
    }

    public void Forget(Guid submission) => _waiting.TryRemove(submission, out _);

    public void Complete(Guid submission, CommandResult result, long index)
    {
        if (_waiting.TryRemove(submission, out var source)) source.TrySetResult(new AppliedEntry(result, index));
    }

    public void Fail(Guid submission, Exception refusal)
    {
        if (_waiting.TryRemove(submission, out var source)) source.TrySetException(refusal);
    }
}

/// <summary>A command's outcome and the log index of its entry (where a follower waits before answering its client).</summary>
public sealed record AppliedEntry(CommandResult Result, long Index);
