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
    public static async Task<DevEnvironment> StartAsync(string directory, int port, TextWriter log, CancellationToken ct)
    {
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        var dataDir = Path.Combine(directory, "node1");
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        var runtime = await NodeRuntime.OpenAsync(new NodeOptions { DataDirectory = dataDir, Listen = [endpoint] }, TimeProvider.System, ct);
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

    private async Task ActivateAsync(IPEndPoint endpoint, string dataDir, TextWriter log, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(OwnerDirectory);
        var poKey = Path.Combine(OwnerDirectory, "PO.key");
        var poCert = Path.Combine(OwnerDirectory, "PO.crt");
        // A new (or zeroized) partition gets a new owner; old credentials no longer apply.
        File.Delete(CredentialsPath);
        var owner = OwnerTools.CreateOwner("CN=CloudHSM dev partition owner", 3650);
        SecureFile.WriteAllText(poKey, owner.PrivateKeyPem);
        File.WriteAllText(poCert, owner.CertificatePem);
        log.WriteLine($"WARNING: the partition-owner key {poKey} was made for development. A real PO key belongs offline, never beside a node.");

        var config = new ClientConfig { Nodes = [endpoint.ToString()], PoCertificate = "owner/PO.crt" };
        var bootstrap = config with { BaseDirectory = Directory, BootstrapCertificate = Path.Combine(dataDir, Node.Tls.NodeTlsIdentity.BootstrapFileName) };
        var coPassword = StrongPassword.Generate();
        var cuPassword = StrongPassword.Generate();
        using (var preco = new HsmClient(bootstrap))
        {
            await preco.LoginAsync(UserType.Preco, "admin", Core.Partition.PartitionService.PrecoDefaultPassword, ct);
            var csr = await preco.GetCertReqAsync(ct);
            var poac = OwnerTools.SignPartitionRequest(System.Text.Encoding.ASCII.GetBytes(csr), owner.CertificatePem, owner.PrivateKeyPem, 3650);
            File.WriteAllText(Path.Combine(OwnerDirectory, "POAC.crt"), poac);
            await preco.StoreCertAsync(4, System.Text.Encoding.ASCII.GetBytes(owner.CertificatePem), ct);
            await preco.StoreCertAsync(8, System.Text.Encoding.ASCII.GetBytes(poac), ct);
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
        var credentials = new CredentialsFile([new("CO", CoName, coPassword), new("CU", CuName, cuPassword)]);
        SecureFile.WriteAllBytes(CredentialsPath, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(credentials, CliJsonContext.Default.CredentialsFile));
        log.WriteLine($"Created CO {CoName} and CU {CuName}; their passwords are in {CredentialsPath} (0600).");
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
