using System.Text.Json;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Activation;

/// <summary>
/// The activation done with the owner's own tools (`cloudhsm po create`, `cloudhsm po sign-csr`)
/// instead of openssl; openssl then checks what those tools made.
/// </summary>
public sealed class OwnerToolsActivationTests
{
    [Fact]
    public async Task ActivationWithThePoToolsMakesThePartitionActiveAndTheCoCanLogIn()
    {
        var dir = Directory.CreateTempSubdirectory("cloudhsm-it-potools-").FullName;
        try
        {
            var owner = Path.Combine(dir, "owner");
            var poKey = Path.Combine(owner, "PO.key");
            var poCert = Path.Combine(owner, "PO.crt");
            (await CliRunner.RunAsync("po", "create", "--out", owner)).ShouldSucceed();
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(poKey));
            }
            var poText = (await Tool.RunAsync("openssl", dir, "x509", "-in", poCert, "-noout", "-text")).ShouldSucceed().Stdout;
            Assert.Contains("Public-Key: (2048 bit)", poText, StringComparison.Ordinal);
            Assert.Contains("CA:TRUE", poText, StringComparison.Ordinal);
            (await Tool.RunAsync("openssl", dir, "rsa", "-in", poKey, "-check", "-noout")).ShouldSucceed();
            // Never overwrite an owner key.
            (await CliRunner.RunAsync("po", "create", "--out", owner)).ShouldFailWith("RET_INVALID_INPUT");

            await using var node = await NodeProcess.StartAsync(Path.Combine(dir, "data"));
            var config = Path.Combine(dir, "client.json");
            WriteConfig(config, node, poCert, node.BootstrapCertificate);
            Task<CliResult> Mgmt(params string[] words) => CliRunner.RunAsync(["mgmt", "--config", config, "singlecmd", .. words]);

            var csr = Path.Combine(dir, "partition.csr");
            var poac = Path.Combine(dir, "POAC.crt");
            (await Mgmt("loginHSM", "PRECO", "admin", "tenantadmin", "getCertReq", csr)).ShouldSucceed();
            (await CliRunner.RunAsync("po", "sign-csr", "--csr", csr, "--po-cert", poCert, "--po-key", poKey, "--out", poac)).ShouldSucceed();
            Assert.Contains(": OK", (await Tool.RunAsync("openssl", dir, "verify", "-CAfile", poCert, poac)).ShouldSucceed().Stdout,
                StringComparison.Ordinal);
            (await Mgmt("loginHSM", "PRECO", "admin", "tenantadmin", "storeCert", poCert, "4", "storeCert", poac, "8",
                "changePswd", "PRECO", "admin", TestPartition.CoPassword)).ShouldSucceed();

            // From now on the owner's certificate is the only trust: no bootstrap pin.
            WriteConfig(config, node, poCert, bootstrap: null);
            Assert.False(File.Exists(node.BootstrapCertificate), "bootstrap.crt should be gone after activation");
            var info = (await Mgmt("getPartitionInfo")).ShouldSucceed();
            Assert.Matches(@"status:\s+Active\b", info.Stdout);
            var users = (await Mgmt("loginHSM", "CO", "admin", TestPartition.CoPassword, "listUsers")).ShouldSucceed();
            Assert.Matches(@"1\s+CO\s+admin", users.Stdout);
            (await Mgmt("loginHSM", "PRECO", "admin", "tenantadmin", "listUsers")).ShouldFailWith("RET_USER_LOGIN_FAILURE");
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        }
    }

    private static void WriteConfig(string path, NodeProcess node, string poCert, string? bootstrap)
    {
        var config = new Dictionary<string, object?> { ["nodes"] = new[] { node.Endpoint }, ["poCertificate"] = poCert };
        if (bootstrap is not null) config["bootstrapCertificate"] = bootstrap;
        File.WriteAllText(path, JsonSerializer.Serialize(config));
    }
}
