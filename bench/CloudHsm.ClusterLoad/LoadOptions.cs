using System.Globalization;

namespace CloudHsm.ClusterLoad;

/// <summary>The command line: which dev directory, which nodes to run, which phases and how much load.</summary>
internal sealed record LoadOptions
{
    public const string Usage = """
        CloudHsm.ClusterLoad --dir DIR --name NAME [options]
          --dir DIR             a `cloudhsm dev up` directory: client.json, credentials.json, nodeN/
          --name NAME           what to call this setup in the report (standalone, cluster-1, cluster-3...)
          --start N             start nodes 1..N of DIR's cluster layout (`cloudhsm node ... --cluster-listen`)
                                as child processes and stop them at the end; 0 (default): use the nodes
                                DIR/client.json lists, already running
          --port P              first port of the layout (node N on P+10(N-1), wire +1, cluster +2); with --start
          --cli PATH            cloudhsm.dll, to start nodes; with --start
          --phases LIST         latency,failover,catchup (default latency); failover and catchup need --start 3+
          --targets LIST        latency: where the clients send: leader, follower or any (default leader)
          --clients C[,C...]    latency: concurrent clients, each with its own HsmClient and login (default 1,4)
          --keys N              latency: AES-256 token keys each client makes (default 200)
          --users N             latency: CUs each client creates as the CO, deleted afterwards (default 25)
          --failovers N         failover: leader kills (default 5)
          --client-on ROLE      failover: the writing client starts on the leader or a follower (default leader)
          --catchup-keys N      catchup: keys in the partition before the node is replaced (default 10000)
          --json PATH           also append the results as JSON lines to PATH
        """;

    public required string Dir { get; init; }
    public required string Name { get; init; }
    public int Start { get; init; }
    public int Port { get; init; }
    public string? Cli { get; init; }
    public IReadOnlyList<string> Phases { get; init; } = ["latency"];
    public IReadOnlyList<string> Targets { get; init; } = ["leader"];
    public IReadOnlyList<int> Clients { get; init; } = [1, 4];
    public int Keys { get; init; } = 200;
    public int Users { get; init; } = 25;
    public int Failovers { get; init; } = 5;
    public string ClientOn { get; init; } = "leader";
    public int CatchupKeys { get; init; } = 10_000;
    public string? JsonPath { get; init; }

    public static LoadOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Unexpected argument '{name}'.");
            if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value.");
            values[name] = args[++i];
        }
        string? Get(string name) => values.Remove(name, out var v) ? v : null;
        int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        static string[] List(string v) => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var options = new LoadOptions
        {
            Dir = Path.GetFullPath(Get("--dir") ?? throw new ArgumentException("--dir is required.")),
            Name = Get("--name") ?? throw new ArgumentException("--name is required."),
            Start = Int("--start", 0),
            Port = Int("--port", 0),
            Cli = Get("--cli"),
            Phases = Get("--phases") is { } p ? List(p) : ["latency"],
            Targets = Get("--targets") is { } t ? List(t) : ["leader"],
            Clients = Get("--clients") is { } c ? [.. List(c).Select(x => int.Parse(x, CultureInfo.InvariantCulture))] : [1, 4],
            Keys = Int("--keys", 200),
            Users = Int("--users", 25),
            Failovers = Int("--failovers", 5),
            ClientOn = Get("--client-on") ?? "leader",
            CatchupKeys = Int("--catchup-keys", 10_000),
            JsonPath = Get("--json"),
        };
        if (values.Count > 0) throw new ArgumentException($"Unknown option {values.Keys.First()}.");
        if (options.Phases.FirstOrDefault(x => x is not ("latency" or "failover" or "catchup")) is { } phase) throw new ArgumentException($"Unknown phase '{phase}'.");
        if (options.Targets.FirstOrDefault(x => x is not ("leader" or "follower" or "any")) is { } target) throw new ArgumentException($"Unknown target '{target}'.");
        if (options.ClientOn is not ("leader" or "follower")) throw new ArgumentException("--client-on is leader or follower.");
        if (options.Start > 0 && (options.Port <= 0 || options.Cli is null)) throw new ArgumentException("--start needs --port and --cli.");
        if (options.Phases.Any(x => x is "failover" or "catchup") && options.Start < 3) throw new ArgumentException("failover and catchup need --start 3 (or more).");
        if (options.Clients.Any(x => x < 1) || options.Keys < 0 || options.Users < 0 || options.Failovers < 1 || options.CatchupKeys < 0)
        {
            throw new ArgumentException("Counts are positive.");
        }
        return options;
    }
}
