using System.Text.Json;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.DataDirectory;

/// <summary>
/// As the harness's TestPartition (a scratch folder, an openssl-made owner, a client.json), but over a
/// <see cref="ControlledNode"/>: the node can be started with an environment, stopped gracefully,
/// crashed, and started again on the same data directory (a new port each time; client.json follows).
/// </summary>
internal sealed class DataDirectoryPartition : IAsyncDisposable
{
    public const string CoPassword = TestPartition.CoPassword;
    public const string PrecoPassword = "tenantadmin";

    private readonly IDictionary<string, string?>? _environment;
    private readonly string[] _nodeArgs;
    private ControlledNode? _node;

    private DataDirectoryPartition(string directory, IDictionary<string, string?>? environment, string[] nodeArgs)
    {
        Directory = directory;
        _environment = environment;
        _nodeArgs = nodeArgs;
    }

    public string Directory { get; }
    public string DataDirectory => Path.Combine(Directory, "data");
    public string ConfigPath => Path.Combine(Directory, "client.json");
    public string PoKey => Path.Combine(Directory, "PO.key");
    public string PoCert => Path.Combine(Directory, "PO.crt");
    public ControlledNode Node => _node ?? throw new InvalidOperationException("The node is stopped.");
    public bool Activated { get; private set; }

    public static async Task<DataDirectoryPartition> StartAsync(IDictionary<string, string?>? environment = null, params string[] nodeArgs)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("cloudhsm-it-data-").FullName;
        var partition = new DataDirectoryPartition(dir, environment, nodeArgs);
        try
        {
            await Tool.OpenSslAsync(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "PO.key", "-out", "PO.crt",
                "-days", "365", "-subj", "/CN=Data Directory Test Partition Owner");
            await partition.StartNodeAsync();
            return partition;
        }
        catch
        {
            await partition.DisposeAsync();
            throw;
        }
    }

    public static async Task<DataDirectoryPartition> StartActivatedAsync(IDictionary<string, string?>? environment = null, params string[] nodeArgs)
    {
        var partition = await StartAsync(environment, nodeArgs);
        try
        {
            await partition.ActivateAsync();
            return partition;
        }
        catch
        {
            await partition.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the node again on the same data directory, with the original environment unless told otherwise.</summary>
    public async Task StartNodeAsync(IDictionary<string, string?>? environment = null)
    {
        if (_node is not null) throw new InvalidOperationException("The node is running.");
        _node = await ControlledNode.StartAsync(DataDirectory, environment ?? _environment, extraArgs: _nodeArgs);
        WriteConfig();
    }

    /// <summary>SIGTERM and a clean exit: the WAL is checkpointed into partition.db.</summary>
    public async Task StopNodeAsync()
    {
        if (_node is null) return;
        await _node.StopAsync();
        await _node.DisposeAsync();
        _node = null;
    }

    /// <summary>SIGKILL: the data directory as a crash leaves it (WAL not checkpointed).</summary>
    public async Task CrashNodeAsync()
    {
        if (_node is null) return;
        await _node.DisposeAsync();
        _node = null;
    }

    /// <summary>The README's activation with openssl, as TestPartition.ActivateAsync.</summary>
    public async Task ActivateAsync()
    {
        var csr = Path.Combine(Directory, "partition.csr");
        (await AsUserAsync("PRECO", "admin", PrecoPassword, "getCertReq", csr)).ShouldSucceed();
        await Tool.OpenSslAsync(Directory, "x509", "-req", "-in", "partition.csr", "-CA", "PO.crt", "-CAkey", "PO.key",
            "-CAcreateserial", "-out", "POAC.crt", "-days", "365", "-sha256");
        (await AsUserAsync("PRECO", "admin", PrecoPassword, "storeCert", PoCert, "4", "storeCert", Path.Combine(Directory, "POAC.crt"), "8",
            "changePswd", "PRECO", "admin", CoPassword)).ShouldSucceed();
        Activated = true;
        WriteConfig();
    }

    public Task<CliResult> MgmtAsync(params string[] words) =>
        CliRunner.RunAsync(["mgmt", "--config", ConfigPath, "singlecmd", .. words]);

    public Task<CliResult> AsUserAsync(string type, string name, string password, params string[] words) =>
        MgmtAsync(["loginHSM", type, name, password, .. words]);

    public Task<CliResult> AsCoAsync(params string[] words) => AsUserAsync("CO", "admin", CoPassword, words);

    private void WriteConfig()
    {
        var config = new Dictionary<string, object?> { ["nodes"] = new[] { Node.Endpoint }, ["poCertificate"] = PoCert };
        if (!Activated) config["bootstrapCertificate"] = Node.BootstrapCertificate;
        File.WriteAllText(ConfigPath, JsonSerializer.Serialize(config));
    }

    public async ValueTask DisposeAsync()
    {
        await CrashNodeAsync();
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
