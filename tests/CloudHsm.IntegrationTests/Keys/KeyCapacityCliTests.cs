using System.Text.Json;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Keys;

/// <summary>The key capacity of a partition (node --max-keys) through `cloudhsm key gen` and `cloudhsm partition info`.</summary>
public sealed class KeyCapacityCliTests
{
    private static JsonElement Keys(JsonElement info) => info.GetProperty("keys");

    [Fact]
    public async Task KeysBeyondTheLimitAreRefused_AndPartitionInfoReportsUseByClass()
    {
        await using var p = await TestPartition.StartActivatedAsync("--max-keys", "3");
        using var alice = await CliKeyUser.CreateAsync(p, "alice");

        var aes = await alice.HandleAsync("key", "gen", "--type", "aes");
        await alice.PairAsync("--type", "ec"); // a pair counts two: three of three used
        (await alice.RunAsync("key", "gen", "--type", "aes")).ShouldFailWith("RET_OBJECT_LIMIT_REACHED");

        var full = Keys(await alice.JsonAsync("partition", "info"));
        Assert.Equal((3, 3), (full.GetProperty("used").GetInt32(), full.GetProperty("limit").GetInt32()));
        Assert.Equal((1, 1, 1), (full.GetProperty("private").GetInt32(), full.GetProperty("public").GetInt32(), full.GetProperty("secret").GetInt32()));
        var human = (await CliRunner.RunAsync("partition", "info", "--config", p.ConfigPath)).ShouldSucceed().Stdout;
        Assert.Contains("keys: 3 of 3 handles (1 private, 1 public, 1 secret)", human, StringComparison.Ordinal);

        // One handle free again: a pair still does not fit, and nothing of it is made.
        (await alice.RunAsync("key", "delete", "--handle", aes.ToString())).ShouldSucceed();
        (await alice.RunAsync("key", "gen", "--type", "ed25519")).ShouldFailWith("RET_OBJECT_LIMIT_REACHED");
        var after = await alice.PartitionInfoAsync();
        Assert.Equal((2, 0), (after.Keys, after.SecretKeys));
        Assert.Equal(2, (await alice.JsonAsync("key", "list")).GetProperty("keys").GetArrayLength());
    }
}
