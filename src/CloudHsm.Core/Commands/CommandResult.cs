namespace CloudHsm.Core.Commands;

/// <summary>
/// What applying a command gave: the handles it created (if any), and whether it was a retry of a request
/// applied before (nothing changed; the handles are the first application's).
/// </summary>
public sealed record CommandResult(bool Replayed, ulong[] Handles)
{
    public static readonly CommandResult Applied = new(false, []);
}

/// <summary>
/// A request id the partition has applied, kept for <see cref="PartitionStateMachine.RequestMemory"/> so that a
/// client's retry after a failover is answered, not applied twice.
/// </summary>
public sealed record AppliedRequest(string Id, DateTimeOffset At, ulong[] Handles);
