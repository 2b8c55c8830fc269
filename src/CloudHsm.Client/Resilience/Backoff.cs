namespace CloudHsm.Client.Resilience;

/// <summary>
/// The pause between two attempts of one call: exponential (25 ms doubling up to 1 s) with jitter (a
/// random point in the upper half), so that clients that failed together do not retry together, and
/// never past the call's deadline.
/// </summary>
public static class Backoff
{
    public const int FirstMilliseconds = 25;
    public const int MaxMilliseconds = 1_000;

    /// <summary>
    /// The pause in milliseconds before retry <paramref name="retry"/> (1, 2...), at most what is left
    /// until <paramref name="deadline"/> (both in <see cref="Environment.TickCount64"/> time).
    /// </summary>
    public static int Pause(int retry, long deadline, long now)
    {
        var ceiling = Math.Min(MaxMilliseconds, FirstMilliseconds << Math.Clamp(retry - 1, 0, 10));
        var pause = ceiling / 2 + Random.Shared.Next(ceiling / 2 + 1);
        return (int)Math.Clamp(deadline - now, 0, pause);
    }

    /// <summary>As <see cref="Pause(int, long, long)"/>, now.</summary>
    public static int Pause(int retry, long deadline) => Pause(retry, deadline, Environment.TickCount64);
}
