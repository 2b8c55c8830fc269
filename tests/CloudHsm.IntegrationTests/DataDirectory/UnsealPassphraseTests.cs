using System.Text;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.DataDirectory;

/// <summary>
/// A node sealed with a passphrase (--unseal-passphrase-env) keeps no key on disk: it starts only
/// with the same passphrase, and a wrong or missing one changes nothing.
/// </summary>
public sealed class UnsealPassphraseTests
{
    private const string Variable = "CLOUDHSM_IT_UNSEAL_PASSPHRASE";
    private const string Passphrase = "correct horse battery staple 42";
    private static readonly string[] NodeArgs = ["--unseal-passphrase-env", Variable];

    [Fact]
    public async Task NodeSealedWithAPassphraseStartsOnlyWithThatPassphrase()
    {
        await using var p = await DataDirectoryPartition.StartActivatedAsync(Environment(Passphrase), NodeArgs);
        var serial = p.Node.SerialNumber;
        await p.StopNodeAsync();
        AssertNoKeyOnDisk(p.DataDirectory);

        var wrong = await ControlledNode.RunExpectingRefusalAsync(p.DataDirectory, Environment("correct horse battery staple 43"), extraArgs: NodeArgs);
        AssertRefused(wrong, "RET_DATA_TAMPERED", "a wrong passphrase");
        var none = await ControlledNode.RunExpectingRefusalAsync(p.DataDirectory);
        AssertRefused(none, "passphrase", "no unseal option");
        var empty = await ControlledNode.RunExpectingRefusalAsync(p.DataDirectory, Environment(""), extraArgs: NodeArgs);
        AssertRefused(empty, Variable, "an empty passphrase variable");
        AssertNoKeyOnDisk(p.DataDirectory);

        await p.StartNodeAsync();
        Assert.Equal(serial, p.Node.SerialNumber);
        Assert.Matches(@"status:\s+Active\b", (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed().Stdout);
        (await p.AsCoAsync("listUsers")).ShouldSucceed();
    }

    [Fact]
    public async Task EditedUnsealSettingsAreRefusedAsTampered()
    {
        await using var p = await DataDirectoryPartition.StartAsync(Environment(Passphrase), NodeArgs);
        var serial = p.Node.SerialNumber;
        await p.StopNodeAsync();
        var settings = Path.Combine(p.DataDirectory, "unseal.json");
        var original = await File.ReadAllBytesAsync(settings);

        var edits = new Dictionary<string, string>
        {
            ["another salt"] = """{"salt":"AAAAAAAAAAAAAAAAAAAAAA==","iterations":600000}""",
            ["a salt that is not base64"] = """{"salt":"!!not base64!!","iterations":600000}""",
            ["not JSON"] = "garbage",
        };
        foreach (var (what, text) in edits)
        {
            await File.WriteAllTextAsync(settings, text);
            var result = await ControlledNode.RunExpectingRefusalAsync(p.DataDirectory, Environment(Passphrase), extraArgs: NodeArgs);
            AssertRefused(result, "RET_DATA_TAMPERED", $"unseal.json with {what}");
        }

        await File.WriteAllBytesAsync(settings, original);
        await p.StartNodeAsync();
        Assert.Equal(serial, p.Node.SerialNumber);
    }

    private static Dictionary<string, string?> Environment(string passphrase) => new() { [Variable] = passphrase };

    private static void AssertNoKeyOnDisk(string dataDirectory)
    {
        Assert.False(File.Exists(Path.Combine(dataDirectory, "master.key")), "master.key exists in a passphrase-sealed data directory");
        var found = SecretScanner.Find(dataDirectory, [.. SecretScanner.Text("unseal passphrase", Passphrase)]);
        Assert.True(found.Count == 0, string.Join("\n", found));
        Assert.True(File.Exists(Path.Combine(dataDirectory, "unseal.json")), SecretScanner.Listing(dataDirectory));
        Assert.DoesNotContain(Passphrase, Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dataDirectory, "unseal.json"))), StringComparison.Ordinal);
    }

    private static void AssertRefused(CliResult result, string mention, string what)
    {
        Assert.True(result.ExitCode != 0, $"{what}: the node started:\n{result}");
        Assert.True(result.Stderr.Contains(mention, StringComparison.Ordinal), $"{what}: expected the refusal to mention {mention}:\n{result}");
        Assert.True(result.Stderr.Contains("RET_", StringComparison.Ordinal), $"{what}: no error name:\n{result}");
        Assert.False(result.Output.Contains("   at ", StringComparison.Ordinal), $"{what}: stack trace in the output:\n{result}");
    }
}
