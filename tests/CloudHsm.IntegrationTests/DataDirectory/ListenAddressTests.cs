using System.Text.Json;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.DataDirectory;

/// <summary>A node binds loopback or private addresses unless told, with --allow-public-bind, to bind a wildcard or public one.</summary>
public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("8.8.8.8")]
    [InlineData("[::]")]
    [InlineData("*")]
    public async Task WildcardOrPublicAddressWithoutAllowPublicBindIsRefused(string host)
    {
        var dir = Directory.CreateTempSubdirectory("cloudhsm-it-bind-").FullName;
        try
        {
            var data = Path.Combine(dir, "data");

            var result = await CliRunner.RunAsync(["node", "--data", data, "--listen", $"{host}:{NodeProcess.FreePort()}"], timeoutSeconds: 30);

            Assert.True(result.ExitCode == 2, $"expected a usage refusal (exit 2):\n{result}");
            Assert.Contains("RET_INVALID_INPUT", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("--allow-public-bind", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
            Assert.False(Directory.Exists(data), "the refused node created its data directory");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task AllowPublicBindLetsTheNodeListenOnTheWildcard()
    {
        var dir = Directory.CreateTempSubdirectory("cloudhsm-it-bind-").FullName;
        try
        {
            await using (var node = await ControlledNode.StartAsync(Path.Combine(dir, "data"), listenHost: "0.0.0.0", extraArgs: "--allow-public-bind"))
            {
                Assert.Contains($"listening on 0.0.0.0:{node.Port}", node.Log, StringComparison.Ordinal);
                var config = Path.Combine(dir, "client.json");
                await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["nodes"] = new[] { node.Endpoint },
                    ["bootstrapCertificate"] = node.BootstrapCertificate,
                }));
                var info = (await CliRunner.RunAsync("mgmt", "--config", config, "singlecmd", "getPartitionInfo")).ShouldSucceed();
                Assert.Matches(@"status:\s+NotActivated\b", info.Stdout);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
