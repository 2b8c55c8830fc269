using System.Globalization;

namespace CloudHsm.Pkcs11Load;

/// <summary>The command line: which module and token, how hard, which operations.</summary>
internal sealed record LoadOptions
{
    public const string Usage = """
        CloudHsm.Pkcs11Load --module PATH --pin PIN [options]
          --module PATH         the PKCS#11 library (.so)
          --pin PIN             CKU_USER PIN; or --pin-env NAME to read it from an environment variable
          --slot ID | --token-label LABEL   the token (default: the first slot with a token)
          --name NAME           what to call this module in the report (default: the file name)
          --threads T[,T...]    threads, each with its own session (default 2)
          --seconds S           measured seconds per operation and thread count (default 10)
          --warmup S            unmeasured seconds before each measurement (default 2)
          --ops LIST            rsa-sign,ecdsa-sign,aes-gcm,hmac,random,find (default: all)
          --objects N[,N...]    objects to find among, for find (default 10000); created once, growing
          --token-keys          make the crypto keys token objects (default: session objects)
          --token-objects       make the objects to find among token objects (default: session objects)
          --json PATH           also append the results as JSON lines to PATH
        """;

    public required string Module { get; init; }
    public required string Pin { get; init; }
    public ulong? Slot { get; init; }
    public string? TokenLabel { get; init; }
    public required string Name { get; init; }
    public IReadOnlyList<int> Threads { get; init; } = [2];
    public double Seconds { get; init; } = 10;
    public double Warmup { get; init; } = 2;
    public IReadOnlyList<string> Ops { get; init; } = Operations.All;
    public IReadOnlyList<int> Objects { get; init; } = [10_000];
    public bool TokenKeys { get; init; }
    public bool TokenObjects { get; init; }
    public string? JsonPath { get; init; }

    public static LoadOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Unexpected argument '{name}'.");
            if (name is "--token-keys" or "--token-objects") values[name] = "true";
            else if (i + 1 < args.Length) values[name] = args[++i];
            else throw new ArgumentException($"{name} needs a value.");
        }
        string? Get(string name) => values.Remove(name, out var v) ? v : null;

        var module = Get("--module") ?? throw new ArgumentException("--module is required.");
        var pin = Get("--pin") ?? (Get("--pin-env") is { } env ? Environment.GetEnvironmentVariable(env) : null)
            ?? throw new ArgumentException("--pin or --pin-env (set) is required.");
        var options = new LoadOptions
        {
            Module = module,
            Pin = pin,
            Slot = Get("--slot") is { } slot ? ulong.Parse(slot, CultureInfo.InvariantCulture) : null,
            TokenLabel = Get("--token-label"),
            Name = Get("--name") ?? Path.GetFileNameWithoutExtension(module),
            Threads = Get("--threads") is { } t ? Numbers(t) : [2],
            Seconds = Get("--seconds") is { } s ? double.Parse(s, CultureInfo.InvariantCulture) : 10,
            Warmup = Get("--warmup") is { } w ? double.Parse(w, CultureInfo.InvariantCulture) : 2,
            Ops = Get("--ops") is { } ops ? ops.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : Operations.All,
            Objects = Get("--objects") is { } n ? Numbers(n) : [10_000],
            TokenKeys = Get("--token-keys") is not null,
            TokenObjects = Get("--token-objects") is not null,
            JsonPath = Get("--json"),
        };
        if (values.Count > 0) throw new ArgumentException($"Unknown option {values.Keys.First()}.");
        if (options.Ops.FirstOrDefault(o => !Operations.All.Contains(o)) is { } bad) throw new ArgumentException($"Unknown operation '{bad}'.");
        if (options.Threads.Any(x => x < 1) || options.Objects.Any(x => x < 1) || options.Seconds <= 0 || options.Warmup < 0)
        {
            throw new ArgumentException("Threads, objects and seconds are positive.");
        }
        return options;
    }

    private static int[] Numbers(string list) =>
        [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x => int.Parse(x, CultureInfo.InvariantCulture))];
}
