using System.Diagnostics;

namespace CloudHsm.Pkcs11Load;

/// <summary>
/// Latencies of one thread in 0.1 µs buckets up to 100 ms (anything longer counts in the last one):
/// preallocated, so recording is an increment and nothing is allocated while measuring.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int Buckets = 1_000_000;
    private static readonly double TicksPerBucket = Stopwatch.Frequency / 10_000_000.0;

    private readonly int[] _counts = new int[Buckets + 1];

    public long Count { get; private set; }

    public void Record(long ticks)
    {
        var bucket = (long)(ticks / TicksPerBucket);
        _counts[bucket < Buckets ? bucket : Buckets]++;
        Count++;
    }

    public void Clear()
    {
        Array.Clear(_counts);
        Count = 0;
    }

    /// <summary>The latency in µs below which <paramref name="fraction"/> of all recorded calls of these histograms fall.</summary>
    public static double Percentile(IReadOnlyList<LatencyHistogram> histograms, double fraction)
    {
        var total = histograms.Sum(h => h.Count);
        if (total == 0) return double.NaN;
        var rank = (long)Math.Ceiling(fraction * total);
        long seen = 0;
        for (var bucket = 0; bucket <= Buckets; bucket++)
        {
            foreach (var h in histograms) seen += h._counts[bucket];
            if (seen >= rank) return (bucket + 0.5) / 10.0;
        }
        return Buckets / 10.0;
    }
}
