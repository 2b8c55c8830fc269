using System.Text.Json;

namespace CloudHsm.IntegrationTests.Harness;

/// <summary>
/// A scratch folder with a real node process and an owner made with the real openssl: PO.key/PO.crt,
/// and a client.json that trusts PO.crt (plus the node's bootstrap.crt until activation).
/// </summary>
public sealed class TestPartition : IAsyncDisposable
{
    public const string CoPassword = "Officer-Pass-2024!";

    private TestPartition(string directory, NodeProcess node)
    {
        Directory = directory;
        Node = node;
    }

    public string Directory { get; }
    public NodeProcess Node { get; private set; }
    public string DataDirectory => Path.Combine(Directory, "data");
    public string ConfigPath => Path.Combine(Directory, "client.json");
    public string PoKey => Path.Combine(Directory, "PO.key");
    public string PoCert => Path.Combine(Directory, "PO.crt");

    /// <summary>More top-level entries for client.json (e.g. "pkcs11"), written by every <see cref="WriteConfig"/>.</summary>
    public Dictionary<string, object?> ExtraConfig { get; } = [];

    /// <summary>Starts a fresh, not activated node with an openssl-made owner next to it.</summary>
    public static async Task<TestPartition> StartAsync(params string[] nodeArgs)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("cloudhsm-it-").FullName;
        await Tool.OpenSslAsync(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "PO.key", "-out", "PO.crt",
            "-days", "365", "-subj", "/CN=Integration Test Partition Owner");
        var node = await NodeProcess.StartAsync(Path.Combine(dir, "data"), nodeArgs);
        var partition = new TestPartition(dir, node);
        partition.WriteConfig(bootstrap: true);
        return partition;
    }

    /// <summary>Starts a node and activates it through the CLI (CO admin with <see cref="CoPassword"/>).</summary>
    public static async Task<TestPartition> StartActivatedAsync(params string[] nodeArgs)
    {
        var partition = await StartAsync(nodeArgs);
        try
        {
            await partition.ActivateAsync();
        }
        catch
        {
            await partition.DisposeAsync(); // a failed activation must not leave its node running
            throw;
        }
        return partition;
    }

    public void WriteConfig(bool bootstrap, string? poCert = null)
    {
        var config = new Dictionary<string, object?>
        {
            ["nodes"] = new[] { Node.Endpoint },
            ["poCertificate"] = poCert ?? PoCert,
            // Generous: a shared, loaded test machine can take long over a first login (PBKDF2 and a
            // cold node); a refusal still comes back at once.
            ["timeoutSeconds"] = 120,
        };
        if (Node.WireEndpoint is { } wire) config["wire"] = new[] { wire };
        if (bootstrap) config["bootstrapCertificate"] = Node.BootstrapCertificate;
        foreach (var (name, value) in ExtraConfig) config[name] = value;
        File.WriteAllText(ConfigPath, JsonSerializer.Serialize(config));
    }

    /// <summary>The activation of the README, step by step, with the CLI and openssl.</summary>
    public async Task ActivateAsync()
    {
        (await MgmtAsync("loginHSM", "PRECO", "admin", "tenantadmin", "getCertReq", Path.Combine(Directory, "partition.csr"))).ShouldSucceed();
        await Tool.OpenSslAsync(Directory, "x509", "-req", "-in", "partition.csr", "-CA", "PO.crt", "-CAkey", "PO.key",
            "-CAcreateserial", "-out", "POAC.crt", "-days", "365", "-sha256");
        (await MgmtAsync("loginHSM", "PRECO", "admin", "tenantadmin", "storeCert", PoCert, "4",
            "storeCert", Path.Combine(Directory, "POAC.crt"), "8", "changePswd", "PRECO", "admin", CoPassword)).ShouldSucceed();
        WriteConfig(bootstrap: false);
    }

    /// <summary>`cloudhsm mgmt --config client.json singlecmd WORDS...`</summary>
    public Task<CliResult> MgmtAsync(params string[] words) =>
        CliRunner.RunAsync(["mgmt", "--config", ConfigPath, "singlecmd", .. words]);

    /// <summary>As <see cref="MgmtAsync"/>, logged in first as the given user.</summary>
    public Task<CliResult> AsUserAsync(string type, string name, string password, params string[] words) =>
        MgmtAsync(["loginHSM", type, name, password, .. words]);

    public Task<CliResult> AsCoAsync(params string[] words) => AsUserAsync("CO", "admin", CoPassword, words);

    /// <summary>Restarts the node process on the same data directory and port.</summary>
    public async Task RestartAsync(params string[] nodeArgs)
    {
        await Node.DisposeAsync();
        Node = await NodeProcess.StartAsync(DataDirectory, nodeArgs);
        WriteConfig(bootstrap: File.Exists(Node.BootstrapCertificate));
    }

    /// <summary>Kills the node process with SIGKILL (see <see cref="StartNodeAgainAsync"/>).</summary>
    public Task KillNodeAsync() => Node.KillAsync();

    /// <summary>
    /// Starts the node again (after <see cref="KillNodeAsync"/>, or killing it first) on the same data
    /// directory and the same ports, so that client.json stays right and clients find it where it was.
    /// </summary>
    public async Task StartNodeAgainAsync(params string[] nodeArgs)
    {
        var old = Node;
        await old.DisposeAsync();
        Node = await NodeProcess.StartOnAsync(DataDirectory, old.Port, old.WirePort, nodeArgs);
    }

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}

public static class CliResultAssertions
{
    public static CliResult ShouldSucceed(this CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    /// <summary>Asserts a refusal: non-zero exit and the stable error name printed.</summary>
    public static CliResult ShouldFailWith(this CliResult result, string errorName)
    {
        Assert.True(result.ExitCode != 0, $"expected {errorName} but the command succeeded:\n{result}");
        Assert.True(result.Output.Contains(errorName, StringComparison.Ordinal), $"expected {errorName}:\n{result}");
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal); // no stack trace
        return result;
    }
}
