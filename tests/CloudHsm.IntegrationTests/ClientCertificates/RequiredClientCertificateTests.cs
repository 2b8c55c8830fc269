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
        await Tool.OpenSslAsync(p.Directory, "x509", "-req", "-in", "client.csr", "-CA", "PO.crt", "-CAkey", "PO.key",
            "-CAcreateserial", "-out", "client.crt", "-days", "30", "-sha256");
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
