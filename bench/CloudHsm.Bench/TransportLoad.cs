using System.Diagnostics;
using System.Globalization;
using CloudHsm.Client.Wire;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.Bench;

/// <summary>
/// <c>--transport-load</c>: T threads sign with ECDSA P-256 (then ask for 32 random bytes, a call
/// that costs the node almost nothing) as fast as they can for a while, once
/// over gRPC (blocking unary calls on one shared channel, as the PKCS#11 module's gRPC transport)
/// and once over the wire (a connection per thread, as a PKCS#11 session would hold), and report
/// calls per second, p50 and p99 latency, and the CPU time this client process spent per call
/// (and the node's, when CLOUDHSM_BENCH_NODE_PID names its process).
/// </summary>
public static class TransportLoad
{
    public static int Run(int[] threadCounts, TimeSpan duration)
    {
        using var target = TransportTarget.Open();
        var opened = new List<WireConnection>();
        var nodePid = Environment.GetEnvironmentVariable("CLOUDHSM_BENCH_NODE_PID");
        Console.WriteLine($"{duration.TotalSeconds:F0} s per run, after a 2 s warm-up; latency of each call as the calling thread sees it");
        Console.WriteLine("operation          transport  threads     calls/s   p50 us   p99 us   client CPU us/call" + (nodePid is null ? "" : "   node CPU us/call"));
        var operations = new (string Name, string Method, Func<IMessage> Request)[]
        {
            ("ECDSA P-256 sign", TransportTarget.SignMethod, () => TransportTarget.SignRequest(target.PrivateKey)),
            ("32 random bytes", TransportTarget.RandomMethod, () => new RandomRequest { Length = 32 }),
        };
        foreach (var operation in operations)
        {
            foreach (var threads in threadCounts)
            {
                foreach (var transport in new[] { "gRPC", "wire" })
                {
                    Func<Func<IMessage>> callFactory = transport == "gRPC"
                        ? () =>
                        {
                            var invoker = target.Channel.CreateCallInvoker();
                            var request = operation.Request();
                            return operation.Method == TransportTarget.SignMethod
                                ? () => new Crypto.CryptoClient(invoker).Sign((SignRequest)request, target.Headers)
                                : () => new Crypto.CryptoClient(invoker).GenerateRandom((RandomRequest)request, target.Headers);
                        }
                        : () =>
                        {
                            var wire = new WireConnection(target.Config, "cloudhsm-bench") { AuthorizationToken = target.Token };
                            opened.Add(wire);
                            var request = operation.Request();
                            return operation.Method == TransportTarget.SignMethod
                                ? () => wire.Call(operation.Method, request, SignReply.Parser)
                                : () => wire.Call(operation.Method, request, RandomReply.Parser);
                        };
                    Measure(threads, TimeSpan.FromSeconds(2), callFactory, nodePid); // warm-up
                    var result = Measure(threads, duration, callFactory, nodePid);
                    var nodeColumn = result.NodeCpuPerCall is { } node ? string.Create(CultureInfo.InvariantCulture, $"  {node,18:F1}") : "";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{operation.Name,-17}  {transport,-9}  {threads,7}  {result.CallsPerSecond,10:N0}  {result.P50,7:F0}  {result.P99,7:F0}  {result.ClientCpuPerCall,19:F1}{nodeColumn}"));
                }
            }
        }
        opened.ForEach(w => w.Dispose());
        return 0;
    }

    private sealed record Result(double CallsPerSecond, double P50, double P99, double ClientCpuPerCall, double? NodeCpuPerCall);

    private static Result Measure(int threads, TimeSpan duration, Func<Func<IMessage>> callFactory, string? nodePid)
    {
        var calls = Enumerable.Range(0, threads).Select(_ => callFactory()).ToArray();
        var latencies = Enumerable.Range(0, threads).Select(_ => new List<long>(1 << 16)).ToArray();
        using var start = new Barrier(threads + 1);
        var stop = 0;
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var call = calls[t];
            var mine = latencies[t];
            start.SignalAndWait();
            while (Volatile.Read(ref stop) == 0)
            {
                var before = Stopwatch.GetTimestamp();
                call();
                mine.Add(Stopwatch.GetTimestamp() - before);
            }
        }) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var nodeBefore = NodeCpu(nodePid);
        start.SignalAndWait();
        var clock = Stopwatch.StartNew();
        Thread.Sleep(duration);
        Volatile.Write(ref stop, 1);
        workers.ForEach(w => w.Join());
        var elapsed = clock.Elapsed;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var nodeCpu = NodeCpu(nodePid) - nodeBefore;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[(int)Math.Min(all.Length - 1, p * all.Length)] * 1e6 / Stopwatch.Frequency;
        return new Result(all.Length / elapsed.TotalSeconds, Percentile(0.50), Percentile(0.99),
            cpu.TotalMicroseconds / Math.Max(1, all.Length), nodeCpu is { } n ? n.TotalMicroseconds / Math.Max(1, all.Length) : null);
    }

    /// <summary>User + system CPU time of the node process, from /proc/PID/stat (Linux).</summary>
    private static TimeSpan? NodeCpu(string? pid)
    {
        if (pid is null) return null;
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
    }
}
