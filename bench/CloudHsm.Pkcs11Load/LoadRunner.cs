using System.Diagnostics;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11Load;

/// <summary>One measurement: an operation at a thread count (and, for find, an object count).</summary>
internal sealed record LoadResult(string Module, string Op, int Threads, int Objects, long Calls, double Seconds, double P50Micros, double P99Micros)
{
    public double CallsPerSecond => Calls / Seconds;
}

/// <summary>
/// Loads the module, opens one session per thread (logged in once: the login belongs to the
/// application), and for every operation and thread count warms up, then lets each thread call as
/// fast as it can on its own session for the measured seconds, timing every call.
/// </summary>
internal sealed class LoadRunner(LoadOptions options, TextWriter log)
{
    public IReadOnlyList<LoadResult> Run()
    {
        var factories = new Pkcs11InteropFactories();
        using var library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, options.Module, AppType.MultiThreaded);
        var slot = SelectSlot(library);
        var token = slot.GetTokenInfo();
        log.WriteLine($"{options.Name}: {library.GetInfo().ManufacturerId.Trim()} {library.GetInfo().LibraryDescription.Trim()}, token '{token.Label.Trim()}'");

        var sessions = Enumerable.Range(0, options.Threads.Max()).Select(_ => slot.OpenSession(SessionType.ReadWrite)).ToList();
        try
        {
            sessions[0].Login(CKU.CKU_USER, options.Pin);
            var histograms = Enumerable.Range(0, sessions.Count).Select(_ => new LatencyHistogram()).ToArray();
            var operations = new Operations(factories, options, log);
            var results = new List<LoadResult>();
            foreach (var op in options.Ops)
            {
                foreach (var objects in op == Operations.Find ? options.Objects : [0])
                {
                    var watch = Stopwatch.StartNew();
                    var perThread = operations.Prepare(op, sessions, objects);
                    if (op != Operations.Find) log.WriteLine($"  {options.Name}: {op} key made in {watch.Elapsed.TotalMilliseconds:F0} ms");
                    foreach (var threads in options.Threads)
                    {
                        var calls = Enumerable.Range(0, threads).Select(t => perThread(sessions[t], t)).ToArray();
                        Drive(calls, histograms, options.Warmup);
                        var seconds = Drive(calls, histograms, options.Seconds);
                        var used = histograms.Take(threads).ToArray();
                        var result = new LoadResult(options.Name, op, threads, objects, used.Sum(h => h.Count), seconds,
                            LatencyHistogram.Percentile(used, 0.50), LatencyHistogram.Percentile(used, 0.99));
                        log.WriteLine($"  {options.Name}: {op}{(objects > 0 ? $" among {objects:N0}" : "")}, {threads} thread(s): {result.CallsPerSecond:N1}/s, p50 {result.P50Micros:F0} µs, p99 {result.P99Micros:F0} µs");
                        results.Add(result);
                    }
                }
            }
            return results;
        }
        finally
        {
            foreach (var session in sessions) session.Dispose();
        }
    }

    private ISlot SelectSlot(IPkcs11Library library)
    {
        var slots = library.GetSlotList(SlotsType.WithTokenPresent);
        ISlot? slot = options.Slot is { } id ? slots.FirstOrDefault(s => s.SlotId == id)
            : options.TokenLabel is { } label ? slots.FirstOrDefault(s => s.GetTokenInfo().Label.Trim() == label)
            : slots.FirstOrDefault();
        return slot ?? throw new InvalidOperationException("No such slot or token.");
    }

    /// <summary>Runs each call on a thread of its own for <paramref name="seconds"/>; returns the seconds actually measured.</summary>
    private static double Drive(Action[] calls, LatencyHistogram[] histograms, double seconds)
    {
        if (seconds <= 0) return 0;
        var failures = new Exception?[calls.Length];
        using var start = new Barrier(calls.Length + 1);
        var duration = (long)(seconds * Stopwatch.Frequency);
        long startedAt = 0;
        var threads = calls.Select((call, i) => new Thread(() =>
        {
            var histogram = histograms[i];
            histogram.Clear();
            start.SignalAndWait();
            var end = Volatile.Read(ref startedAt) + duration;
            try
            {
                for (var before = Stopwatch.GetTimestamp(); before < end;)
                {
                    call();
                    var after = Stopwatch.GetTimestamp();
                    histogram.Record(after - before);
                    before = after;
                }
            }
            catch (Exception e) when (e is Pkcs11Exception or InvalidOperationException)
            {
                failures[i] = e;
            }
        }) { IsBackground = true, Name = $"load-{i}" }).ToList();
        foreach (var thread in threads) thread.Start();
        Volatile.Write(ref startedAt, Stopwatch.GetTimestamp());
        start.SignalAndWait();
        foreach (var thread in threads) thread.Join();
        var measured = (Stopwatch.GetTimestamp() - startedAt) / (double)Stopwatch.Frequency;
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
        {
            throw failure is Pkcs11Exception p ? p : new InvalidOperationException(failure.Message, failure);
        }
        return measured;
    }
}
