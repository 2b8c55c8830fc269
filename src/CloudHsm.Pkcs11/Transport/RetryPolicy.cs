using CloudHsm.Client.Resilience;

namespace CloudHsm.Pkcs11.Transport;

/// <summary>
/// Which node calls may be repeated, and how. Every call carries a request id, the same on each of its
/// attempts, so the cluster applies a repeated write once and answers it with the first outcome: any
/// call, write or not, is retried on a transient failure (refused, reset, timeout, no quorum, node not
/// ready), whether or not the node received it, with <see cref="Client.Resilience.Backoff"/> pauses
/// within the retry window.
/// </summary>
internal static class RetryPolicy
{
    /// <summary>Whether an unknown-token refusal of this call may be answered by logging in again and repeating it.</summary>
    public static bool MayRenewLogin(string method) => method is not (NodeMethods.Login or NodeMethods.Logout);

    /// <summary>The pause before attempt <paramref name="attempt"/> (1, 2...): exponential with jitter, never past the deadline.</summary>
    public static int Backoff(int attempt, long deadline) => Client.Resilience.Backoff.Pause(attempt, deadline);

    /// <summary>A fresh id for one logical call.</summary>
    public static string NewRequestId() => RequestId.New();
}
