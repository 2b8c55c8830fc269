namespace CloudHsm.Client.Resilience;

/// <summary>
/// Which configured node a client talks to, and the order of failover: the node after the one that
/// failed, round the list. Each cursor starts at the next node of a process-wide rotation that itself
/// starts at a random node, so the clients of one application, and different applications, spread
/// over the nodes. Thread-safe and lock-free (it survives a fork() in any state).
/// </summary>
public sealed class NodeCursor
{
    private static int s_rotation = Random.Shared.Next(int.MaxValue);

    private readonly int _count;
    private int _current;

    /// <param name="count">Configured nodes (at least 1).</param>
    /// <param name="start">The first node; null: the next of the process-wide rotation.</param>
    public NodeCursor(int count, int? start = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _count = count;
        _current = start is { } s ? ((s % count) + count) % count : (int)((uint)Interlocked.Increment(ref s_rotation) % (uint)count);
    }

    public int Count => _count;

    /// <summary>The node calls go to.</summary>
    public int Current => Volatile.Read(ref _current);

    /// <summary>
    /// <paramref name="node"/> failed: moves to the node after it, unless another caller has moved
    /// already (then its choice stands). Returns the node to use next.
    /// </summary>
    public int Failed(int node)
    {
        var next = (node + 1) % _count;
        var seen = Interlocked.CompareExchange(ref _current, next, node);
        return seen == node ? next : seen;
    }

    /// <summary>A connection reached <paramref name="node"/> on its own: the others follow it there.</summary>
    public void MovedTo(int node) => Volatile.Write(ref _current, ((node % _count) + _count) % _count);
}
