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
/// </list>
/// See docs/PERFORMANCE.md for the command used there and what each benchmark measures.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var rest = new List<string>();
        var isolated = false;
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
            else
            {
                rest.Add(args[i]);
            }
        }
        var job = Job.Default.WithWarmupCount(3).WithIterationCount(10);
        if (!isolated)
        {
            // A sealed scan of a million keys takes seconds per call: the default in-process timeout is too short.
            job = job.WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(2), logOutput: true));
            Environment.SetEnvironmentVariable(SharedStore.ShareVariable, "1");
        }
        var config = ManualConfig.Create(DefaultConfig.Instance).AddJob(job);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest], config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
