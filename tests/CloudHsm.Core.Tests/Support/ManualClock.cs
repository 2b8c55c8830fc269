namespace CloudHsm.Core.Tests.Support;

/// <summary>A clock that moves only when a test says so. Starts at the real time, so certificates made now are valid.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
