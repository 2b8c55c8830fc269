using System.Net;
using System.Net.Sockets;
using CloudHsm.Client;
using CloudHsm.Core.Owner;
using CloudHsm.Node.Hosting;
using CloudHsm.Protocol.V1;
using CloudHsm.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace CloudHsm.Cli.Support;

/// <summary>
/// A local, activated partition for development: owner key in DIR/owner, node data in DIR/node1,
/// DIR/client.json and DIR/credentials.json. Used by `cloudhsm dev up` and `cloudhsm demo`.
/// </summary>
internal sealed class DevEnvironment : IAsyncDisposable
{
    public const string CoName = "admin";
    public const string CuName = "app_user";

    private readonly NodeRuntime _runtime;
    private readonly WebApplication _app;

    private DevEnvironment(string directory, NodeRuntime runtime, WebApplication app)
    {
        Directory = directory;
        _runtime = runtime;
        _app = app;
    }

    public string Directory { get; }
    public string ClientConfigPath => Path.Combine(Directory, "client.json");
    public string CredentialsPath => Path.Combine(Directory, "credentials.json");
    public string OwnerDirectory => Path.Combine(Directory, "owner");
    public CredentialsFile Credentials => CredentialsFile.Read(CredentialsPath);

    /// <summary>Starts the node (activating a new partition on first use) and returns once it serves.</summary>
    public static async Task<DevEnvironment> StartAsync(string directory, int port, TextWriter log, CancellationToken ct, int maxKeys = 3200)
    {
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        var dataDir = Path.Combine(directory, "node1");
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        var runtime = await NodeRuntime.OpenAsync(new NodeOptions
        {
            DataDirectory = dataDir,
            Listen = [endpoint],
            Policy = new Core.Partition.PartitionPolicy { MaxKeys = maxKeys }.Validated(),
        }, TimeProvider.System, ct);
        WebApplication? app = null;
        try
        {
            app = NodeHost.Build(runtime);
            await app.StartAsync(ct);
            NodeHost.PrintBanner(runtime, log);
            var env = new DevEnvironment(directory, runtime, app);
            if (runtime.Store.Partition?.Status != Core.Partition.PartitionStatus.Active) await env.ActivateAsync(endpoint, dataDir, log, ct);
            else log.WriteLine($"Using the partition already activated in {directory}.");
            return env;
        }
        catch
        {
            if (app is not null) await app.DisposeAsync();
            runtime.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Activates the partition. Safe to run again after an interruption: the owner key and the
    /// passwords are kept (and the passwords written) before the first step, and steps already done
    /// are skipped.
    /// </summary>
    private async Task ActivateAsync(IPEndPoint endpoint, string dataDir, TextWriter log, CancellationToken ct)
    {
        var owner = LoadOrCreateOwner(log);
        var credentials = File.Exists(CredentialsPath) ? Credentials : new CredentialsFile([
            new("CO", CoName, StrongPassword.Generate()), new("CU", CuName, StrongPassword.Generate())]);
        SecureFile.WriteAllBytes(CredentialsPath, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(credentials, CliJsonContext.Default.CredentialsFile));
        var coPassword = credentials.Users.First(u => u.Type == "CO").Password;
        var cuPassword = credentials.Users.First(u => u.Type == "CU").Password;

        var config = new ClientConfig { Nodes = [endpoint.ToString()], PoCertificate = "owner/PO.crt" };
        var bootstrap = config with { BaseDirectory = Directory, BootstrapCertificate = Path.Combine(dataDir, Node.Tls.NodeTlsIdentity.BootstrapFileName) };
        using (var preco = new HsmClient(bootstrap))
        {
            await preco.LoginAsync(UserType.Preco, "admin", Core.Partition.PartitionService.PrecoDefaultPassword, ct);
            var info = await preco.GetPartitionInfoAsync(ct);
            var ownerDer = Core.Owner.OwnerCertificates.ToDer(System.Text.Encoding.ASCII.GetBytes(owner.CertificatePem));
            if (info.OwnerFingerprintSha256.Length == 0)
            {
                await preco.StoreCertAsync(4, ownerDer, ct);
            }
            else if (info.OwnerFingerprintSha256 != Core.Owner.OwnerCertificates.Fingerprint(ownerDer))
            {
                throw new CliException("RET_CERT_ALREADY_STORED", $"The partition in {Directory} holds another PO.crt; use another --dir.");
            }
            var csr = await preco.GetCertReqAsync(ct);
            var poac = OwnerTools.SignPartitionRequest(System.Text.Encoding.ASCII.GetBytes(csr), owner.CertificatePem, owner.PrivateKeyPem, 3650);
            File.WriteAllText(Path.Combine(OwnerDirectory, "POAC.crt"), poac);
            try
            {
                await preco.StoreCertAsync(8, System.Text.Encoding.ASCII.GetBytes(poac), ct);
            }
            catch (HsmClientException e) when (e.ErrorName == "RET_CERT_ALREADY_STORED")
            {
                // stored by an earlier, interrupted run
            }
            await preco.ChangePasswordAsync(UserType.Preco, "admin", coPassword, ct);
        }
        log.WriteLine("Activated: PO.crt (slot 4) and POAC.crt (slot 8) stored, PRECO admin is now CO admin.");
        config.Save(ClientConfigPath);
        using (var co = new HsmClient(config with { BaseDirectory = Directory }))
        {
            await co.LoginAsync(UserType.Co, CoName, coPassword, ct);
            await co.CreateUserAsync(UserType.Cu, CuName, cuPassword, ct);
            await co.LogoutAsync(ct);
        }
        log.WriteLine($"Created CO {CoName} and CU {CuName}; their passwords are in {CredentialsPath} (0600).");
    }

    /// <summary>The development owner: kept across runs, so an interrupted activation can finish.</summary>
    private OwnerTools.OwnerIdentity LoadOrCreateOwner(TextWriter log)
    {
        System.IO.Directory.CreateDirectory(OwnerDirectory);
        var poKey = Path.Combine(OwnerDirectory, "PO.key");
        var poCert = Path.Combine(OwnerDirectory, "PO.crt");
        if (File.Exists(poKey) && File.Exists(poCert)) return new OwnerTools.OwnerIdentity(File.ReadAllText(poKey), File.ReadAllText(poCert));
        var owner = OwnerTools.CreateOwner("CN=CloudHSM dev partition owner", 3650);
        SecureFile.WriteAllText(poKey, owner.PrivateKeyPem);
        File.WriteAllText(poCert, owner.CertificatePem);
        log.WriteLine($"WARNING: the partition-owner key {poKey} was made for development. A real PO key belongs offline, never beside a node.");
        return owner;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public Task WaitForShutdownAsync(CancellationToken ct) => _app.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _runtime.Dispose();
    }
}
