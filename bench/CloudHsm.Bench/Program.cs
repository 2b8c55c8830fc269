using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace CloudHsm.Bench;

/// <summary>
/// Runs the benchmarks with one short job (3 warmup and 10 measured iterations). Besides
/// BenchmarkDotNet's own arguments (<c>--filter '*'</c>, <c>--artifacts DIR</c>, ...) it takes:
/// <list type="bullet">
/// <item><c>--keys N[,M...]</c>: how many keys the store holds (default 100000; 1000000 is the
/// highest key limit a partition accepts).</item>
/// <item><c>--isolated</c>: run each benchmark in a process of its own, BenchmarkDotNet's usual
/// way, populating a store for each. Without it every benchmark runs in this process and they
/// share one populated store (see <see cref="SharedStore"/>): populating is what takes long.</item>
/// <item><c>--transport</c>: instead of the key lookups, the latency of one gRPC call against one
/// wire-transport call to a running node (<see cref="TransportBenchmarks"/>, <see cref="TransportTarget"/>).</item>
/// <item><c>--transport-load [--threads 1,2,8] [--seconds 10]</c>: no BenchmarkDotNet; calls per
/// second and p50/p99 latency of both transports under load (<see cref="TransportLoad"/>).</item>
/// </list>
/// See docs/PERFORMANCE.md for the commands used there and what each benchmark measures.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var rest = new List<string>();
        var isolated = false;
        var benchmarks = typeof(KeyLookupBenchmarks);
        var load = false;
        int[] threads = [1, 2, 8];
        var seconds = 10;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--keys" && i + 1 < args.Length)
            {
                // Read by KeyLookupBenchmarks.KeyCounts, here and in any child process (which inherits it).
                Environment.SetEnvironmentVariable(KeyLookupBenchmarks.KeyCountVariable, args[++i]);
            }
            else if (args[i] == "--isolated")
            {
                isolated = true;
            }
            else if (args[i] == "--transport")
            {
                benchmarks = typeof(TransportBenchmarks);
            }
            else if (args[i] == "--transport-load")
            {
                load = true;
            }
            else if (args[i] == "--threads" && i + 1 < args.Length)
            {
                threads = [.. args[++i].Split(',').Select(t => int.Parse(t, System.Globalization.CultureInfo.InvariantCulture))];
            }
            else if (args[i] == "--seconds" && i + 1 < args.Length)
            {
                seconds = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                rest.Add(args[i]);
            }
        }
        if (load) return TransportLoad.Run(threads, TimeSpan.FromSeconds(seconds));
        var job = Job.Default.WithWarmupCount(3).WithIterationCount(10);
        if (!isolated)
        {
            // A sealed scan of a million keys takes seconds per call: the default in-process timeout is too short.
            job = job.WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(2), logOutput: true));
            Environment.SetEnvironmentVariable(SharedStore.ShareVariable, "1");
        }
        var config = ManualConfig.Create(DefaultConfig.Instance).AddJob(job);
        var summaries = BenchmarkSwitcher.FromTypes([benchmarks]).Run([.. rest], config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
