using System.Net;
using System.Net.Sockets;
using CloudHsm.Node.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace CloudHsm.Cli.Support;

/// <summary>
/// A local, activated partition for development: owner key in DIR/owner, node data in DIR/node1,
/// DIR/client.json and DIR/credentials.json. Used by `cloudhsm dev up` and `cloudhsm demo`.
/// </summary>
internal sealed class DevEnvironment : IAsyncDisposable
{
    private readonly NodeRuntime _runtime;
    private readonly WebApplication _app;

    private DevEnvironment(string directory, NodeRuntime runtime, WebApplication app)
    {
        Directory = directory;
        _runtime = runtime;
        _app = app;
    }

    public string Directory { get; }
    public string ClientConfigPath => DevActivation.ClientConfigPath(Directory);
    public string CredentialsPath => DevActivation.CredentialsPath(Directory);
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
            if (runtime.Store.Partition?.Status != Core.Partition.PartitionStatus.Active) await DevActivation.ActivateAsync(directory, endpoint.ToString(), dataDir, log, ct);
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
