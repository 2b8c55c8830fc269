namespace CloudHsm.Core.Commands;

/// <summary>
/// The client request id of the call being served (set by the node's transports from the hsm-request-id
/// header), flowing to every command the call submits. One call may submit several commands: the first
/// carries the id, the next ones "id#2", "id#3"..., so a retry of the whole call maps onto the same ids.
/// </summary>
public static class RequestScope
{
    public const int MaxIdLength = 64;

    private sealed class Counter(string id)
    {
        public string Id { get; } = id;
        public int Issued;
    }

    private static readonly AsyncLocal<Counter?> Current = new();

    /// <summary>Begins a call's scope; null or an invalid id leaves the call without one.</summary>
    public static void Begin(string? id) => Current.Value = IsValid(id) ? new Counter(id!) : null;

    /// <summary>The id for the next command of the current call, or null.</summary>
    public static string? NextCommandId()
    {
        if (Current.Value is not { } counter) return null;
        var n = Interlocked.Increment(ref counter.Issued);
        return n == 1 ? counter.Id : counter.Id + "#" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The id the next command of the current call will carry, without taking it.</summary>
    public static string? PeekNextCommandId()
    {
        if (Current.Value is not { } counter) return null;
        var n = Volatile.Read(ref counter.Issued) + 1;
        return n == 1 ? counter.Id : counter.Id + "#" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static bool IsValid(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
