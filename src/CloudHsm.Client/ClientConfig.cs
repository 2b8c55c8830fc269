using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudHsm.Client;

/// <summary>
/// The client configuration file: node endpoints, the owner's PO.crt (the only trust anchor), and
/// optionally a client certificate and, before activation only, the node's pinned bootstrap certificate.
/// Found through --config, CLOUDHSM_CONFIG, or /etc/cloudhsm/client.json.
/// </summary>
public sealed record ClientConfig
{
    public const string EnvironmentVariable = "CLOUDHSM_CONFIG";
    public const string DefaultPath = "/etc/cloudhsm/client.json";

    /// <summary>Node endpoints as HOST:PORT.</summary>
    public IReadOnlyList<string> Nodes { get; init; } = [];

    /// <summary>
    /// Wire-transport endpoints (used by the PKCS#11 module) as HOST:PORT, one per node in the order of
    /// <see cref="Nodes"/>; absent or empty: each node's host at its port + 1 (see <see cref="WireEndpoints"/>).
    /// </summary>
    public IReadOnlyList<string>? Wire { get; init; }

    /// <summary>Path of PO.crt; a node's certificate chain must end at it.</summary>
    public string? PoCertificate { get; init; }

    /// <summary>Path of a not-yet-activated node's bootstrap.crt, pinned exactly (activation only).</summary>
    public string? BootstrapCertificate { get; init; }

    public ClientCertificateConfig? ClientCertificate { get; init; }

    /// <summary>Settings only the PKCS#11 module reads (log file, retry window); absent means its defaults.</summary>
    public Pkcs11Settings? Pkcs11 { get; init; }

    /// <summary>Seconds before a call is abandoned; 0 or absent means 30.</summary>
    public int TimeoutSeconds { get; init; }

    [JsonIgnore]
    public TimeSpan CallTimeout => TimeSpan.FromSeconds(TimeoutSeconds > 0 ? TimeoutSeconds : 30);

    /// <summary>Where the file was read from; relative paths are relative to its folder.</summary>
    [JsonIgnore]
    public string? BaseDirectory { get; init; }

    public string? Resolve(string? path) =>
        path is null ? null : Path.IsPathRooted(path) || BaseDirectory is null ? path : Path.Combine(BaseDirectory, path);

    /// <summary>
    /// The wire endpoints to try, in order: <see cref="Wire"/> when given (a missing port is the
    /// default wire port), else each node's host at its port + 1. Computed here rather than as a
    /// property default, which the JSON source generator would not apply.
    /// </summary>
    public IReadOnlyList<CloudHsm.Client.Wire.WireEndpoint> WireEndpoints() =>
        Wire is { Count: > 0 }
            ? [.. Wire.Select(w => CloudHsm.Client.Wire.WireEndpoint.Parse(w, Protocol.WireFraming.DefaultPort))]
            : [.. (Nodes ?? []).Select(n => CloudHsm.Client.Wire.WireEndpoint.Parse(n, Protocol.WireNames.DefaultPort).NextPort())];

    /// <summary>Finds the configuration: explicit path, then CLOUDHSM_CONFIG, then /etc/cloudhsm/client.json.</summary>
    public static ClientConfig Load(string? explicitPath = null)
    {
        var path = explicitPath ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(path)) path = DefaultPath;
        if (!File.Exists(path))
        {
            throw new HsmClientException("RET_CONFIG_INVALID", $"No client configuration at {path} (use --config or {EnvironmentVariable}).");
        }
        ClientConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(File.ReadAllBytes(path), ClientJsonContext.Default.ClientConfig);
        }
        catch (JsonException e)
        {
            throw new HsmClientException("RET_CONFIG_INVALID", $"The client configuration {path} is not valid JSON: {e.Message}");
        }
        if (config is null || config.Nodes is null || config.Nodes.Count == 0)
        {
            throw new HsmClientException("RET_CONFIG_INVALID", $"The client configuration {path} names no nodes.");
        }
        return config with { BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(path)) };
    }

    public void Save(string path) =>
        File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(this, ClientJsonContext.Default.ClientConfig));
}

public sealed record ClientCertificateConfig(string Certificate, string Key);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(ClientConfig))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
