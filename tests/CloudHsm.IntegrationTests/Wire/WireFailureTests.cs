using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CloudHsm.Client;
using CloudHsm.Client.Wire;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;
using static CloudHsm.IntegrationTests.Wire.WireKit;

namespace CloudHsm.IntegrationTests.Wire;

/// <summary>A node that is gone, frozen or silent costs a wire client an error within its timeout, never a hang.</summary>
public sealed class WireFailureTests : IAsyncLifetime
{
    private const int TimeoutSeconds = 2;
    private string _directory = null!;

    public Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("cloudhsm-it-wire-fail-").FullName;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public void NothingListeningIsReportedAtOnceAsUnavailable()
    {
        using var wire = new WireConnection(Config($"127.0.0.1:{NodeProcess.FreePort()}"));
        var watch = Stopwatch.StartNew();
        var refused = Refused("RET_NODE_UNAVAILABLE", () => wire.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser));
        Assert.True(refused.IsTransient);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(TimeoutSeconds), $"took {watch.Elapsed}");
    }

    [Fact]
    public void AServerThatAcceptsButNeverAnswersTimesOut()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var wire = new WireConnection(Config($"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}"));
        var watch = Stopwatch.StartNew();
        var refused = Refused("RET_TIMEOUT", () => wire.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser));
        Assert.True(refused.IsTransient);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(TimeoutSeconds - 0.5), TimeSpan.FromSeconds(TimeoutSeconds + 15));
    }

    [Fact]
    public async Task AFrozenNodeTimesOutAKilledNodeFailsAtOnceAndAThawedNodeServesAgain()
    {
        await using var node = await NodeProcess.StartAsync(Path.Combine(_directory, "data"));
        using var wire = new WireConnection(Config(node.WireEndpoint!, node.BootstrapCertificate));
        // The machine may be busy: the first call (TCP and TLS handshakes) may take a few tries of two seconds.
        Assert.Equal(PartitionStatus.NotActivated, Eventually(() => wire.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser)).Status);
        Assert.True(wire.ConnectedToUnactivatedNode);

        // Frozen (SIGSTOP): the request goes out on the open connection and no reply comes.
        await SignalAsync(node, "STOP");
        try
        {
            var watch = Stopwatch.StartNew();
            Refused("RET_TIMEOUT", () => wire.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser));
            Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(TimeoutSeconds - 0.5), TimeSpan.FromSeconds(TimeoutSeconds + 15));
            // A new connection to a frozen node: the TLS handshake gets no answer either.
            watch.Restart();
            Refused("RET_TIMEOUT", () => wire.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser));
            Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(TimeoutSeconds - 0.5), TimeSpan.FromSeconds(TimeoutSeconds + 15));
        }
        finally
        {
            await SignalAsync(node, "CONT");
        }
        Assert.Equal(PartitionStatus.NotActivated, Eventually(() => wire.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser)).Status);

        // Killed: the open connection breaks and nothing listens any more.
        await SignalAsync(node, "KILL");
        for (var i = 0; i < 100 && !node.HasExited; i++) await Task.Delay(50);
        var killed = Stopwatch.StartNew();
        Assert.True(Assert.Throws<HsmClientException>(() => wire.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser)).IsTransient);
        Refused("RET_NODE_UNAVAILABLE", () => wire.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser));
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(TimeoutSeconds), $"took {killed.Elapsed}");
    }

    /// <summary>Retries a call that timed out, for up to 20 seconds.</summary>
    private static T Eventually<T>(Func<T> call)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                return call();
            }
            catch (HsmClientException e) when (e.ErrorName == "RET_TIMEOUT" && DateTime.UtcNow < deadline)
            {
                // the node is slow to answer on this busy machine; try again
            }
        }
    }

    private static async Task SignalAsync(NodeProcess node, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", node.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>A configuration with one wire endpoint, a short timeout, and a PO.crt (or the node's bootstrap pin).</summary>
    private ClientConfig Config(string wireEndpoint, string? bootstrapCertificate = null)
    {
        var config = new Dictionary<string, object>
        {
            ["nodes"] = new[] { "127.0.0.1:1" },
            ["wire"] = new[] { wireEndpoint },
            ["timeoutSeconds"] = TimeoutSeconds,
        };
        if (bootstrapCertificate is not null)
        {
            config["bootstrapCertificate"] = bootstrapCertificate;
        }
        else
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=Unused Partition Owner", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var po = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(Path.Combine(_directory, "PO.crt"), po.ExportCertificatePem());
            config["poCertificate"] = Path.Combine(_directory, "PO.crt");
        }
        var path = Path.Combine(_directory, "client.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return ClientConfig.Load(path);
    }
}
