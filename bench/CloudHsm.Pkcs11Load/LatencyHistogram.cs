using System.Diagnostics;

namespace CloudHsm.Pkcs11Load;

/// <summary>
/// Latencies of one thread: 0.1 µs buckets up to 100 ms, then 100 µs buckets up to 100 s (anything
/// longer counts in the last one). Preallocated, so recording is an increment and nothing is
/// allocated while measuring.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int FineBuckets = 1_000_000;   // 0.1 µs each: 0 to 100 ms
    private const int CoarseBuckets = 1_000_000; // 100 µs each: 100 ms to 100 s
    private static readonly double TicksPerFine = Stopwatch.Frequency / 10_000_000.0;
    private static readonly double TicksPerCoarse = Stopwatch.Frequency / 10_000.0;
    private static readonly long FineLimitTicks = (long)(FineBuckets * TicksPerFine);

    private readonly int[] _counts = new int[FineBuckets + CoarseBuckets];

    public long Count { get; private set; }

    public void Record(long ticks)
    {
        var bucket = ticks < FineLimitTicks
            ? (long)(ticks / TicksPerFine)
            : FineBuckets + Math.Min(CoarseBuckets - 1, (long)((ticks - FineLimitTicks) / TicksPerCoarse));
        _counts[bucket]++;
        Count++;
    }

    public void Clear()
    {
        Array.Clear(_counts);
        Count = 0;
    }

    /// <summary>The latency in µs below which <paramref name="fraction"/> of all recorded calls of these histograms fall (bucket middle).</summary>
    public static double Percentile(IReadOnlyList<LatencyHistogram> histograms, double fraction)
    {
        var total = histograms.Sum(h => h.Count);
        if (total == 0) return double.NaN;
        var rank = Math.Max(1, (long)Math.Ceiling(fraction * total));
        long seen = 0;
        for (var bucket = 0; bucket < FineBuckets + CoarseBuckets; bucket++)
        {
            foreach (var h in histograms) seen += h._counts[bucket];
            if (seen >= rank) return Micros(bucket);
        }
        return Micros(FineBuckets + CoarseBuckets - 1);
    }

    private static double Micros(int bucket) => bucket < FineBuckets
        ? (bucket + 0.5) / 10.0
        : 100_000 + (bucket - FineBuckets + 0.5) * 100;
}
