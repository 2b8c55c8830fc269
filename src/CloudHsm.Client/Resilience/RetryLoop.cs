namespace CloudHsm.Client.Resilience;

/// <summary>One attempt of a logical call: the node to send it to, and the call's request id (the same on every attempt).</summary>
public readonly record struct CallAttempt(int Node, string RequestId, int Number);

/// <summary>What <see cref="RetryLoop"/> does after a refusal that is not transient.</summary>
public enum AfterRefusal
{
    /// <summary>The refusal is the answer.</summary>
    Surface,
    /// <summary>Something was repaired (a fresh login): send the call again, at once, to the same node.</summary>
    Repeat,
}

/// <summary>
/// The retry rules of one logical call, apart from any transport so that they can be tested alone:
/// a fresh request id for the call, sent unchanged on every attempt; a transient failure (node
/// unreachable, timeout, no quorum, node not ready) moves the cursor to the next node and waits
/// (<see cref="Backoff"/>) before the next attempt, until the deadline, after which the last failure
/// is surfaced; any other refusal is surfaced unless the caller repairs it (<see cref="AfterRefusal.Repeat"/>).
/// </summary>
public static class RetryLoop
{
    /// <param name="nodes">Where attempts go; moved on a transient failure (shared by the client's calls).</param>
    /// <param name="window">How long after the call began an attempt may still start.</param>
    /// <param name="attempt">Sends the call to <see cref="CallAttempt.Node"/>.</param>
    /// <param name="onRefusal">Decides about a refusal that is not transient; null: surface it.</param>
    public static async Task<T> RunAsync<T>(NodeCursor nodes, TimeSpan window, Func<CallAttempt, Task<T>> attempt,
        Func<CallAttempt, HsmClientException, Task<AfterRefusal>>? onRefusal = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(attempt);
        var requestId = RequestId.New();
        var deadline = Environment.TickCount64 + (long)window.TotalMilliseconds;
        var retries = 0;
        for (var number = 1; ; number++)
        {
            var current = new CallAttempt(nodes.Current, requestId, number);
            HsmClientException refusal;
            try
            {
                return await attempt(current).ConfigureAwait(false);
            }
            catch (HsmClientException e)
            {
                refusal = e;
            }
            if (refusal.IsTransient)
            {
                var now = Environment.TickCount64;
                if (now >= deadline || ct.IsCancellationRequested) throw refusal;
                nodes.Failed(current.Node);
                retries++;
                await Task.Delay(Backoff.Pause(retries, deadline, now), ct).ConfigureAwait(false);
                continue;
            }
            if (onRefusal is null || await onRefusal(current, refusal).ConfigureAwait(false) != AfterRefusal.Repeat) throw refusal;
        }
    }
}
