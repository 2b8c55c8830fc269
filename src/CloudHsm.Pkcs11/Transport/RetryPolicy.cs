using System.Collections.Frozen;

namespace CloudHsm.Pkcs11.Transport;

/// <summary>
/// Which node calls may be repeated. A call that only reads, or whose repetition changes nothing
/// (a second signature, a second login), is retried on a transient failure whether or not the node
/// received it. A call that changes the partition (generate, set attribute, delete...) is retried only
/// when it failed before it was sent: the node has no request-id deduplication yet, so a repeat could
/// make a second key. Methods not listed here are writes.
/// </summary>
internal static class RetryPolicy
{
    private static readonly FrozenSet<string> Idempotent = new[]
    {
        NodeMethods.GetPartitionInfo,
        NodeMethods.Login,
        NodeMethods.FindKeys,
        NodeMethods.GetKeyInfo,
        NodeMethods.GetAttribute,
        NodeMethods.Sign,
        NodeMethods.Verify,
        NodeMethods.Encrypt,
        NodeMethods.Decrypt,
        NodeMethods.Digest,
        NodeMethods.GenerateRandom,
        NodeMethods.WrapKey,
        NodeMethods.GetSessionInfo,
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>First pause between attempts; it doubles up to <see cref="MaxBackoffMilliseconds"/>.</summary>
    private const int FirstBackoffMilliseconds = 25;
    private const int MaxBackoffMilliseconds = 1_000;

    public static bool IsIdempotent(string method) => Idempotent.Contains(method);

    /// <summary>Whether an unknown-token refusal of this call may be answered by logging in again and repeating it.</summary>
    public static bool MayRenewLogin(string method) => method is not (NodeMethods.Login or NodeMethods.Logout);

    /// <summary>The pause before attempt <paramref name="attempt"/> (1, 2...): exponential with jitter, never past the deadline.</summary>
    public static int Backoff(int attempt, long deadline)
    {
        var pause = Math.Min(MaxBackoffMilliseconds, FirstBackoffMilliseconds << Math.Min(attempt - 1, 10));
        pause = pause / 2 + Random.Shared.Next(pause / 2 + 1);
        return (int)Math.Clamp(deadline - Environment.TickCount64, 0, pause);
    }
}
