using System.Text.Json;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Trust;

/// <summary>
/// A client talks only to nodes whose TLS chain ends at its configured PO.crt (or, before activation,
/// to the node whose bootstrap certificate it pinned). Any other node is refused before a request,
/// and so before a password, is sent.
/// </summary>
public sealed class ImpostorNodeTests
{
    [Fact]
    public async Task NodeOfAnotherOwnerIsNotTrusted()
    {
        await using var a = await TestPartition.StartActivatedAsync();
        await using var b = await TestPartition.StartActivatedAsync();
        var config = WriteConfig(a.Directory, "a-trust-pointing-at-b.json", [b.Node.Endpoint], poCertificate: a.PoCert);
        var appliedBefore = await AppliedCommandsAsync(b);

        (await MgmtAsync(config, "getPartitionInfo")).ShouldFailWith("RET_SERVER_NOT_TRUSTED");
        (await MgmtAsync(config, "loginHSM", "CO", "admin", TestPartition.CoPassword, "listUsers")).ShouldFailWith("RET_SERVER_NOT_TRUSTED");

        // Both nodes are up and each is trusted by its own owner's configuration.
        Assert.Matches(@"status:\s+Active\b", (await a.MgmtAsync("getPartitionInfo")).ShouldSucceed().Stdout);
        Assert.Matches(@"status:\s+Active\b", (await b.MgmtAsync("getPartitionInfo")).ShouldSucceed().Stdout);
        // The login (with B's right password) never reached node B: it recorded no login at all.
        Assert.Equal(appliedBefore, await AppliedCommandsAsync(b));
    }

    [Fact]
    public async Task NotActivatedNodeIsNotTrustedThroughThePoAlone()
    {
        await using var p = await TestPartition.StartAsync();
        p.WriteConfig(bootstrap: false);

        (await p.MgmtAsync("getPartitionInfo")).ShouldFailWith("RET_SERVER_NOT_TRUSTED");

        p.WriteConfig(bootstrap: true);
        Assert.Matches(@"status:\s+NotActivated\b", (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed().Stdout);
    }

    [Fact]
    public async Task BootstrapPinOfAnotherNodeIsNotTrusted()
    {
        await using var c = await TestPartition.StartAsync();
        await using var d = await TestPartition.StartAsync();
        var config = WriteConfig(c.Directory, "c-pin-pointing-at-d.json", [d.Node.Endpoint], bootstrapCertificate: c.Node.BootstrapCertificate);

        (await MgmtAsync(config, "getPartitionInfo")).ShouldFailWith("RET_SERVER_NOT_TRUSTED");
        (await MgmtAsync(config, "loginHSM", "PRECO", "admin", "tenantadmin", "getCertReq", Path.Combine(c.Directory, "stolen.csr")))
            .ShouldFailWith("RET_SERVER_NOT_TRUSTED");
        Assert.False(File.Exists(Path.Combine(c.Directory, "stolen.csr")));
    }

    [Fact]
    public async Task ConfigurationWithoutAnyTrustAnchorIsRefused()
    {
        await using var p = await TestPartition.StartAsync();
        var none = WriteConfig(p.Directory, "no-anchor.json", [p.Node.Endpoint]);
        var missing = WriteConfig(p.Directory, "missing-anchor.json", [p.Node.Endpoint], poCertificate: Path.Combine(p.Directory, "does-not-exist.crt"));
        var noNodes = WriteConfig(p.Directory, "no-nodes.json", [], poCertificate: p.PoCert, bootstrapCertificate: p.Node.BootstrapCertificate);

        (await MgmtAsync(none, "getPartitionInfo")).ShouldFailWith("RET_CONFIG_INVALID");
        (await MgmtAsync(missing, "getPartitionInfo")).ShouldFailWith("RET_CONFIG_INVALID");
        (await MgmtAsync(noNodes, "getPartitionInfo")).ShouldFailWith("RET_CONFIG_INVALID");
    }

    [Fact]
    public async Task BootstrapPinAloneIsRefusedOnceTheNodeIsActivated()
    {
        await using var p = await TestPartition.StartAsync();
        // The client kept its copy of the pin; the node deletes its own at activation.
        var pin = Path.Combine(p.Directory, "pinned-bootstrap.crt");
        File.Copy(p.Node.BootstrapCertificate, pin);
        var pinOnly = WriteConfig(p.Directory, "pin-only.json", [p.Node.Endpoint], bootstrapCertificate: pin);
        Assert.Matches(@"status:\s+NotActivated\b", (await MgmtAsync(pinOnly, "getPartitionInfo")).ShouldSucceed().Stdout);

        await p.ActivateAsync();

        (await MgmtAsync(pinOnly, "getPartitionInfo")).ShouldFailWith("RET_SERVER_NOT_TRUSTED");
        (await MgmtAsync(pinOnly, "loginHSM", "CO", "admin", TestPartition.CoPassword, "listUsers")).ShouldFailWith("RET_SERVER_NOT_TRUSTED");
        Assert.Matches(@"status:\s+Active\b", (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed().Stdout);
    }

    private static async Task<long> AppliedCommandsAsync(TestPartition p)
    {
        var info = (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed();
        return long.Parse(System.Text.RegularExpressions.Regex.Match(info.Stdout, @"applied commands:\s+(\d+)").Groups[1].Value);
    }

    private static Task<CliResult> MgmtAsync(string config, params string[] words) =>
        CliRunner.RunAsync(["mgmt", "--config", config, "singlecmd", .. words]);

    private static string WriteConfig(string directory, string name, string[] nodes, string? poCertificate = null, string? bootstrapCertificate = null)
    {
        var config = new Dictionary<string, object?> { ["nodes"] = nodes };
        if (poCertificate is not null) config["poCertificate"] = poCertificate;
        if (bootstrapCertificate is not null) config["bootstrapCertificate"] = bootstrapCertificate;
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }
}
