using CloudHsm.ClusterLoad;

// Issue 5's cluster benchmark: write latency, failover and catch-up against real `cloudhsm node`
// processes. Run by bench/cluster-bench.sh; see docs/PERFORMANCE.md.
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(LoadOptions.Usage);
    return 0;
}
LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

var dev = DevDirectory.Read(options.Dir);
var nodes = Enumerable.Range(1, options.Start).Select(n => new NodeProcess(options.Dir, n, options.Port, options.Cli!)).ToList();
var report = new Report(options.JsonPath);
try
{
    if (nodes.Count > 0)
    {
        foreach (var node in nodes) node.Start();
        dev = dev.WithNodes(nodes);
        await ClusterView.WaitAsync(dev.Config, i => ClusterView.Settled(i, nodes.Count), TimeSpan.FromSeconds(180), "the started nodes did not settle");
    }
    foreach (var phase in options.Phases)
    {
        Console.WriteLine();
        Console.WriteLine($"== {options.Name}: {phase} ({DateTime.UtcNow:HH:mm:ss} UTC, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
        switch (phase)
        {
            case "latency": await new LatencyPhase(dev, options, report).RunAsync(); break;
            case "failover": await new FailoverPhase(dev, nodes, options, report).RunAsync(); break;
            case "catchup": await new CatchUpPhase(dev, nodes, options, report).RunAsync(); break;
        }
    }
    return 0;
}
finally
{
    foreach (var node in nodes) node.Stop();
}
