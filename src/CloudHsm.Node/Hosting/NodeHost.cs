using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CloudHsm.Core.Owner;
using CloudHsm.Node.Services;
using CloudHsm.Node.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudHsm.Node.Hosting;

/// <summary>
/// Runs a node: Kestrel on the given addresses only, HTTP/2 over TLS 1.2/1.3, the gRPC services,
/// with the certificate chosen per handshake from <see cref="Tls.NodeTlsIdentity"/>; beside them the
/// wire transport's endpoints (same TLS options, a raw connection handler over the same services).
/// </summary>
public static class NodeHost
{
    public const int MaxMessageBytes = 1024 * 1024;

    /// <summary>The client-auth extended key usage (id-kp-clientAuth).</summary>
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public static WebApplication Build(NodeRuntime runtime)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; o.UseUtcTimestamp = true; });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.None);
        // The framework logs unreadable requests with their stack traces; anyone who can connect could
        // fill the log that way. Our interceptor logs what matters, by exception type only.
        builder.Logging.AddFilter("Grpc.AspNetCore.Server.ServerCallHandler", LogLevel.None);
        // A wire call is short: run it where its bytes arrive instead of three thread-pool hand-offs
        // (docs/PERFORMANCE.md, "Where the microseconds go", step 3). What may block is moved off
        // those threads by WireConnectionHandler; Kestrel starts each HTTP/2 (gRPC) stream on the pool.
        PreferInlineSocketCompletions();
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxMessageBytes + 1024;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 256;
            foreach (var endpoint in runtime.Options.Listen)
            {
                kestrel.Listen(endpoint, listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    listen.UseHttps(https => ConfigureTls(https, runtime));
                });
            }
            // The wire transport: same TLS identity and client-certificate rule, no HTTP.
            foreach (var endpoint in runtime.Options.WireEndpoints)
            {
                kestrel.Listen(endpoint, listen =>
                {
                    listen.Protocols = HttpProtocols.None;
                    listen.UseHttps(https => ConfigureTls(https, runtime));
                    listen.UseConnectionHandler<WireConnectionHandler>();
                });
            }
        });
        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton<WireMethodTable>();
        builder.Services.AddSingleton<WireConnectionHandler>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.EnableDetailedErrors = false;
            grpc.MaxReceiveMessageSize = MaxMessageBytes;
            grpc.MaxSendMessageSize = 4 * MaxMessageBytes;
            grpc.Interceptors.Add<ErrorInterceptor>();
            grpc.Interceptors.Add<ClientCertificateInterceptor>();
        });
        var app = builder.Build();
        // Zeroize ends the node's life: the response goes out, then the host stops.
        runtime.Zeroized += () => app.Lifetime.StopApplication();
        app.Use(UnreadableRequestMiddleware.InvokeAsync);
        app.MapGrpcService<PartitionGrpcService>();
        app.MapGrpcService<UsersGrpcService>();
        app.MapGrpcService<KeysGrpcService>();
        app.MapGrpcService<CryptoGrpcService>();
        app.MapGrpcService<ClusterGrpcService>();
        app.MapGrpcService<ClusterPeerGrpcService>();
        return app;
    }

    /// <summary>
    /// Asks the runtime to complete socket operations on its epoll threads rather than hand each to the
    /// thread pool (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1), with at least 8 such threads
    /// (DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT; the runtime's default is one per core). A connection stays
    /// on the thread it was given, round robin, so with two threads two busy connections share one about
    /// half the time and run at the old speed; more threads make that rarer. Both variables are read once,
    /// when the process makes its first asynchronous socket call (the node commands build the node before
    /// any); an operator's own setting of either, "0" included, is kept.
    /// </summary>
    private static void PreferInlineSocketCompletions()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null) Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        if (Environment.GetEnvironmentVariable(SocketThreadsVariable) is null)
        {
            var threads = Math.Max(8, 4 * Environment.ProcessorCount);
            Environment.SetEnvironmentVariable(SocketThreadsVariable, threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private const string SocketThreadsVariable = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    private static void ConfigureTls(HttpsConnectionAdapterOptions https, NodeRuntime runtime)
    {
        https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        https.ServerCertificateSelector = (_, _) => runtime.Tls.Current;
        https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
        https.ClientCertificateValidation = (certificate, _, _) => AcceptClientCertificate(runtime, certificate);
        https.HandshakeTimeout = TimeSpan.FromSeconds(10);
    }

    /// <summary>
    /// A client certificate is optional. When one is presented after activation it must chain to PO.crt;
    /// before activation there is no anchor to check it against, so it is ignored.
    /// </summary>
    private static bool AcceptClientCertificate(NodeRuntime runtime, X509Certificate2 certificate)
    {
        // A peer node: its certificate was issued by the partition identity key (ClusterPeer checks it per call).
        if (runtime.ClusterTrust?.Verify(certificate) is not null) return true;
        var owner = runtime.Tls.Owner;
        if (!runtime.Tls.Activated || owner is null) return true;
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault()?.EnhancedKeyUsages;
        if (usages is not null && !usages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == ClientAuthOid)) return false;
        return OwnerCertificates.ChainsTo(certificate, owner, DateTimeOffset.UtcNow);
    }

    /// <summary>Says what the node serves; call once it listens.</summary>
    public static void PrintBanner(NodeRuntime runtime, TextWriter log)
    {
        log.WriteLine($"CloudHSM node: partition {runtime.Store.Partition!.SerialNumber}, {runtime.Store.Partition.Status}");
        if (runtime.Cluster is { } cluster) log.WriteLine($"  cluster member {runtime.NodeId} on {cluster.LocalEndpoint} (Raft over mutual TLS)");
        foreach (var endpoint in runtime.Options.Listen) log.WriteLine($"  listening on {endpoint} (gRPC over TLS 1.2/1.3)");
        foreach (var endpoint in runtime.Options.WireEndpoints) log.WriteLine($"  wire transport on {endpoint} (length-prefixed messages over TLS 1.2/1.3, for the PKCS#11 module)");
        if (!runtime.Tls.Activated)
        {
            log.WriteLine($"  not activated: clients pin {runtime.Tls.BootstrapPath} (sha256 {OwnerCertificates.Fingerprint(runtime.Tls.Current.RawData)})");
        }
    }

    public static async Task RunAsync(NodeOptions options, TextWriter log, CancellationToken ct)
    {
        using var runtime = await NodeRuntime.OpenAsync(options, TimeProvider.System, ct);
        if (runtime.Store.Partition is null)
        {
            // A joining member has nothing to serve until the cluster's state (and with it the partition's TLS
            // identity) arrives over Raft, which runs on its own port; clients meanwhile use the other nodes.
            log.WriteLine($"CloudHSM node {runtime.NodeId}: joining the cluster; waiting for its state");
            while (runtime.Store.Partition is null || !runtime.Tls.HasIdentity) await Task.Delay(100, ct);
        }
        await using var app = Build(runtime);
        await app.StartAsync(ct);
        PrintBanner(runtime, log);
        await app.WaitForShutdownAsync(ct);
        if (runtime.WasZeroized) log.WriteLine("The partition was zeroized and erased; the node stopped. Start it again for a new partition.");
    }
}
