using System.Text.Json;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.ClientCertificates;

public sealed class RequiredClientCertificateTests
{
    [Fact]
    public async Task NodeWithRequireClientCertServesOnlyClientsWithACertificateUnderThePo()
    {
        await using var p = await TestPartition.StartActivatedAsync("--require-client-cert");

        // Without a client certificate the activated node refuses the call.
        (await p.MgmtAsync("getPartitionInfo")).ShouldFailWith("RET_CLIENT_CERTIFICATE_REQUIRED");

        // The owner issues a client certificate with PO.key (offline), as for any certificate under the PO.
        await Tool.OpenSslAsync(p.Directory, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key",
            "-out", "client.csr", "-subj", "/CN=integration client");
        await File.WriteAllTextAsync(Path.Combine(p.Directory, "client.ext"), "extendedKeyUsage=clientAuth\n");
        await Tool.OpenSslAsync(p.Directory, "x509", "-req", "-in", "client.csr", "-CA", "PO.crt", "-CAkey", "PO.key",
            "-CAcreateserial", "-out", "client.crt", "-days", "30", "-sha256", "-extfile", "client.ext");
        WriteConfigWithClientCertificate(p, "client.crt", "client.key");
        (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed();
        (await p.AsCoAsync("listUsers")).ShouldSucceed();

        // A certificate from another CA fails the TLS handshake: the node does not serve it.
        await Tool.OpenSslAsync(p.Directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key",
            "-out", "rogue.crt", "-days", "30", "-subj", "/CN=rogue client");
        WriteConfigWithClientCertificate(p, "rogue.crt", "rogue.key");
        var refused = await p.MgmtAsync("getPartitionInfo");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.DoesNotContain("serial number", refused.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACertificateTheOwnerIssuedForClientsCannotPoseAsANode()
    {
        await using var p = await TestPartition.StartActivatedAsync();
        await Tool.OpenSslAsync(p.Directory, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key",
            "-out", "client.csr", "-subj", "/CN=CloudHSM partition impostor");
        await File.WriteAllTextAsync(Path.Combine(p.Directory, "client.ext"), "extendedKeyUsage=clientAuth\n");
        await Tool.OpenSslAsync(p.Directory, "x509", "-req", "-in", "client.csr", "-CA", "PO.crt", "-CAkey", "PO.key",
            "-CAcreateserial", "-out", "client.crt", "-days", "30", "-sha256", "-extfile", "client.ext");

        // An impostor TLS server (real openssl) presenting the client certificate, chained to the same PO.
        var port = NodeProcess.FreePort();
        var psi = new System.Diagnostics.ProcessStartInfo("openssl")
        {
            WorkingDirectory = p.Directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "s_server", "-accept", $"127.0.0.1:{port}", "-cert", "client.crt", "-key", "client.key", "-www" }) psi.ArgumentList.Add(a);
        using var impostor = System.Diagnostics.Process.Start(psi)!;
        try
        {
            await WaitForPortAsync(port);
            var config = new Dictionary<string, object?> { ["nodes"] = new[] { $"127.0.0.1:{port}" }, ["poCertificate"] = p.PoCert };
            File.WriteAllText(p.ConfigPath, JsonSerializer.Serialize(config));

            (await p.MgmtAsync("getPartitionInfo")).ShouldFailWith("RET_SERVER_NOT_TRUSTED");
        }
        finally
        {
            impostor.Kill(entireProcessTree: true);
        }
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var tcp = new System.Net.Sockets.TcpClient();
                await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException("openssl s_server did not listen");
    }

    private static void WriteConfigWithClientCertificate(TestPartition p, string certificate, string key)
    {
        var config = new Dictionary<string, object?>
        {
            ["nodes"] = new[] { p.Node.Endpoint },
            ["poCertificate"] = p.PoCert,
            ["clientCertificate"] = new Dictionary<string, string> { ["certificate"] = certificate, ["key"] = key },
        };
        File.WriteAllText(p.ConfigPath, JsonSerializer.Serialize(config));
    }
}
