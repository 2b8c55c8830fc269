using System.CommandLine;
using CloudHsm.Cli.Support;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sessions;
using CloudHsm.Node.Hosting;
using CloudHsm.Storage;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm node`: runs a node in the foreground.</summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data directory of the node (created if missing).", Required = true };
        var listen = new Option<string[]>("--listen")
        {
            Description = "Address to bind, HOST:PORT (repeatable). Default 127.0.0.1:2225.",
            AllowMultipleArgumentsPerToken = false,
        };
        var wireListen = new Option<string[]>("--wire-listen")
        {
            Description = "Address of the wire transport used by the PKCS#11 module, HOST:PORT (repeatable). Default: each --listen address at port + 1; none disables it.",
            AllowMultipleArgumentsPerToken = false,
        };
        var allowPublic = new Option<bool>("--allow-public-bind") { Description = "Allow a wildcard or public listen address (not recommended: use a private endpoint)." };
        var unsealStdin = new Option<bool>("--unseal-stdin") { Description = "Derive the master key from a passphrase read from standard input." };
        var unsealEnv = new Option<string?>("--unseal-passphrase-env") { Description = "Derive the master key from the passphrase in this environment variable." };
        var maxUsers = new Option<int>("--max-users") { Description = "User limit of a new partition.", DefaultValueFactory = _ => 1024 };
        var nonFips = new Option<bool>("--non-fips") { Description = "New partition: allow mechanisms that are not FIPS-approved (SHA-1 signing, RSA PKCS#1 v1.5 encryption)." };
        var maxKeys = new Option<int>("--max-keys") { Description = "Key handles a new partition holds (a pair counts two; up to 1000000).", DefaultValueFactory = _ => 3200 };
        var lockout = new Option<int>("--lockout-threshold") { Description = "Consecutive failed logins before a user is locked (new partition).", DefaultValueFactory = _ => 5 };
        var minPassword = new Option<int>("--min-password-length") { Description = "Minimum password length of a new partition (8..32).", DefaultValueFactory = _ => 12 };
        var challengeLifetime = new Option<int>("--challenge-lifetime") { Description = "Seconds a CO-recovery challenge stays valid (new partition, 10..86400).", DefaultValueFactory = _ => 300 };
        var idle = new Option<int>("--idle-timeout") { Description = "Seconds after which an unused login expires.", DefaultValueFactory = _ => 1200 };
        var requireClientCert = new Option<bool>("--require-client-cert") { Description = "After activation, refuse clients without a certificate that chains to PO.crt." };
        var clusterListen = new Option<string?>("--cluster-listen")
        {
            Description = "Make this node a member of the partition's Raft cluster, its cluster channel (mutual TLS) on this address:port. Without it the node is standalone.",
        };
        var join = new Option<string?>("--join") { Description = "First start of a new member: the admission file `cloudhsm cluster add-node` wrote for this node." };
        var snapshotBytes = new Option<long>("--snapshot-bytes")
        {
            Description = "Replicated log bytes after which the node snapshots its state (lagging nodes then catch up from it).",
            DefaultValueFactory = _ => 8 * 1024 * 1024,
        };
        var command = new Command("node", "Run a CloudHSM node (gRPC over TLS) in the foreground.")
        {
            data, listen, wireListen, allowPublic, unsealStdin, unsealEnv, maxUsers, maxKeys, nonFips, lockout, minPassword, challengeLifetime, idle, requireClientCert,
            clusterListen, join, snapshotBytes,
        };
        var requestOut = new Option<string?>("--out") { Description = "Write the join request to this file instead of standard output." };
        var request = new Command("request", "Prepare a new cluster member: make its keys in --data and print its join request (for `cloudhsm cluster add-node`).")
        {
            data, listen, clusterListen, allowPublic, unsealStdin, unsealEnv, requestOut,
        };
        request.SetAction(parse =>
        {
            try
            {
                var allow = parse.GetValue(allowPublic);
                var options = new NodeOptions
                {
                    DataDirectory = parse.GetValue(data)!,
                    Listen = ListenEndpoints(parse.GetValue(listen), allow),
                    Unseal = ReadUnseal(parse.GetValue(unsealStdin), parse.GetValue(unsealEnv)),
                    Cluster = ClusterOptionsOf(parse.GetValue(clusterListen), null, 0, allow)
                        ?? throw new CliException("RET_INVALID_INPUT", "A join request needs --cluster-listen."),
                };
                var json = NodeRuntime.CreateJoinRequest(options).ToJson();
                if (parse.GetValue(requestOut) is { } path) File.WriteAllText(path, json);
                else Console.WriteLine(json);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (CommonOptions.Refusal(e) is { } r)
            {
                Console.Error.WriteLine($"{r.Name}: {r.Message}");
                return ExitCodes.Usage;
            }
        });
        command.Subcommands.Add(request);
        command.SetAction(async (parse, ct) =>
        {
            NodeOptions options;
            try
            {
                var allow = parse.GetValue(allowPublic);
                var endpoints = ListenEndpoints(parse.GetValue(listen), allow);
                options = new NodeOptions
                {
                    DataDirectory = parse.GetValue(data)!,
                    Listen = endpoints,
                    WireListen = WireEndpoints(parse.GetValue(wireListen), endpoints, allow),
                    Unseal = ReadUnseal(parse.GetValue(unsealStdin), parse.GetValue(unsealEnv)),
                    Policy = new PartitionPolicy
                    {
                        MaxUsers = parse.GetValue(maxUsers),
                        MaxKeys = parse.GetValue(maxKeys),
                        AllowNonApprovedMechanisms = parse.GetValue(nonFips),
                        LockoutThreshold = parse.GetValue(lockout),
                        MinPasswordLength = parse.GetValue(minPassword),
                        ChallengeLifetimeSeconds = parse.GetValue(challengeLifetime),
                    }.Validated(),
                    Sessions = new SessionLimits { IdleTimeout = TimeSpan.FromSeconds(IdleSeconds(parse.GetValue(idle))) },
                    RequireClientCertificate = parse.GetValue(requireClientCert),
                    Cluster = ClusterOptionsOf(parse.GetValue(clusterListen), parse.GetValue(join), parse.GetValue(snapshotBytes), allow),
                };
            }
            catch (Exception e) when (CommonOptions.Refusal(e) is { } r)
            {
                Console.Error.WriteLine($"{r.Name}: {r.Message}");
                return ExitCodes.Usage;
            }
            return await RunAsync(options, ct);
        });
        return command;
    }

    public static async Task<int> RunAsync(NodeOptions options, CancellationToken ct)
    {
        try
        {
            await NodeHost.RunAsync(options, Console.Out, ct);
            return ExitCodes.Ok;
        }
        catch (DataDirectoryException e)
        {
            Console.Error.WriteLine($"{e.ErrorName}: the node refuses to start: {e.Message}");
            return ExitCodes.Refused;
        }
        catch (HsmException e)
        {
            Console.Error.WriteLine($"{e.Error}: {e.Message}");
            return ExitCodes.Refused;
        }
        catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
        {
            Console.Error.WriteLine($"RET_BIND_FAILED: cannot listen: {e.Message}");
            return ExitCodes.Refused;
        }
    }

    /// <summary>--wire-listen: explicit addresses, "none", or (absent) each listen address at port + 1.</summary>
    private static List<System.Net.IPEndPoint> WireEndpoints(string[]? given, List<System.Net.IPEndPoint> listen, bool allowPublic)
    {
        if (given is not { Length: > 0 }) return listen.Select(ListenAddressPolicy.WireEndpointFor).ToList();
        if (given.Any(g => g.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)))
        {
            return given.Length == 1 ? [] : throw new CliException("RET_INVALID_INPUT", "--wire-listen none cannot be combined with addresses.");
        }
        return given.Select(a => ListenAddressPolicy.Parse(a, allowPublic, Protocol.WireFraming.DefaultPort)).ToList();
    }

    /// <summary>--listen: the given addresses, or the default 127.0.0.1:2225.</summary>
    private static List<System.Net.IPEndPoint> ListenEndpoints(string[]? given, bool allowPublic) =>
        (given is { Length: > 0 } ? given : ["127.0.0.1:2225"]).Select(a => ListenAddressPolicy.Parse(a, allowPublic)).ToList();

    private static ClusterOptions? ClusterOptionsOf(string? listen, string? join, long snapshotBytes, bool allowPublic)
    {
        if (listen is null)
        {
            return join is null ? null : throw new CliException("RET_INVALID_INPUT", "--join needs --cluster-listen.");
        }
        if (join is not null && !File.Exists(join)) throw new CliException("RET_INVALID_INPUT", $"No admission file at {join}.");
        return new ClusterOptions
        {
            Listen = ListenAddressPolicy.Parse(listen, allowPublic),
            JoinFile = join,
            SnapshotBytes = snapshotBytes > 0 ? snapshotBytes : 8 * 1024 * 1024,
        };
    }

    private static int IdleSeconds(int seconds) => seconds is >= 10 and <= 86_400
        ? seconds
        : throw new CliException("RET_INVALID_INPUT", "--idle-timeout must be between 10 and 86400 seconds.");

    private static UnsealSource ReadUnseal(bool fromStdin, string? environmentVariable)
    {
        if (fromStdin && environmentVariable is not null)
        {
            throw new CliException("RET_INVALID_INPUT", "Give either --unseal-stdin or --unseal-passphrase-env, not both.");
        }
        if (fromStdin)
        {
            var line = Console.In.ReadLine() ?? throw new CliException("RET_INVALID_INPUT", "No unseal passphrase on standard input.");
            return new UnsealSource.Passphrase(line.TrimEnd('\r').ToCharArray());
        }
        if (environmentVariable is not null)
        {
            var value = Environment.GetEnvironmentVariable(environmentVariable);
            if (string.IsNullOrEmpty(value)) throw new CliException("RET_INVALID_INPUT", $"The environment variable {environmentVariable} is empty.");
            Environment.SetEnvironmentVariable(environmentVariable, null);
            return new UnsealSource.Passphrase(value.ToCharArray());
        }
        return new UnsealSource.KeyFile();
    }
}
