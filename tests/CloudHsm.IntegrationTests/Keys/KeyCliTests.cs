using System.Text.Json;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.IntegrationTests.Users;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Keys;

/// <summary>`cloudhsm key ...` against a real node, with implicit login from the environment.</summary>
public sealed class KeyCliTests(ActivatedPartitionFixture fixture) : IClassFixture<ActivatedPartitionFixture>
{
    private const string Password = "Wonder-Land-2024!";

    private TestPartition P => fixture.Partition;

    private Dictionary<string, string?> As(string user, string password = Password) => new()
    {
        ["CLOUDHSM_CONFIG"] = P.ConfigPath,
        ["CLOUDHSM_USER"] = user,
        ["CLOUDHSM_PASSWORD"] = password,
    };

    private Task<CliResult> KeyAsync(string user, params string[] args) => CliRunner.RunAsync(["key", .. args], env: As(user));

    private static JsonElement Json(CliResult result) => JsonDocument.Parse(result.ShouldSucceed().Stdout).RootElement.Clone();

    private async Task<ulong> GenAesAsync(string user, string label) =>
        Json(await KeyAsync(user, "gen", "--type", "aes", "--label", label, "--json")).GetProperty("handle").GetUInt64();

    [Fact]
    public async Task AnAesKeyIsGeneratedListedWithItsKcvAndDeletedByItsOwner()
    {
        await P.CreateUsersAsync((UserType.Cu, "alice", Password));
        var handle = await GenAesAsync("alice", "payments");

        var listed = Json(await KeyAsync("alice", "list", "--label", "payments", "--json")).GetProperty("keys").EnumerateArray().ToList();

        var key = Assert.Single(listed);
        Assert.Equal(handle, key.GetProperty("handle").GetUInt64());
        Assert.Equal("alice", key.GetProperty("owner").GetString());
        Assert.Equal("secret", key.GetProperty("class").GetString());
        Assert.Equal("aes", key.GetProperty("type").GetString());
        Assert.Matches("^[0-9a-f]{6}$", key.GetProperty("kcv").GetString());

        (await KeyAsync("alice", "delete", "--handle", handle.ToString())).ShouldSucceed();
        var after = Json(await KeyAsync("alice", "list", "--json")).GetProperty("keys").EnumerateArray();
        Assert.DoesNotContain(after, k => k.GetProperty("handle").GetUInt64() == handle);
    }

    [Fact]
    public async Task RsaEcAndEd25519PairsAreGenerated()
    {
        await P.CreateUsersAsync((UserType.Cu, "carol", Password));
        var handles = new List<ulong>();
        foreach (var args in new[] { new[] { "--type", "rsa", "--bits", "2048" }, ["--type", "ec", "--curve", "p256"], ["--type", "ed25519"] })
        {
            var pair = Json(await KeyAsync("carol", ["gen", .. args, "--label", "pair", "--json"]));
            handles.Add(pair.GetProperty("private").GetUInt64());
            handles.Add(pair.GetProperty("public").GetUInt64());
        }
        Assert.Equal(6, handles.Distinct().Count());

        using var client = await P.LoginAsync(UserType.Cu, "carol", Password);
        var keys = await client.FindKeysAsync(new FindKeysRequest { Label = "pair" });
        Assert.Equal(handles.Order(), keys.Select(k => k.Handle).Order());
        Assert.Equal(3, keys.Count(k => k.ObjectClass == 3));
        await client.LogoutAsync();
    }

    [Fact]
    public async Task AnotherCuSeesAKeyOnlyOnceSharedAndCannotDeleteIt()
    {
        await P.CreateUsersAsync((UserType.Cu, "dave", Password), (UserType.Cu, "erin", Password));
        var handle = (await GenAesAsync("dave", "shared")).ToString();

        (await KeyAsync("erin", "show", "--handle", handle)).ShouldFailWith("RET_KEY_NOT_FOUND");
        (await KeyAsync("dave", "share", "--handle", handle, "--user", "erin")).ShouldSucceed();
        var shown = Json(await KeyAsync("erin", "show", "--handle", handle, "--json"));
        Assert.Equal("dave", shown.GetProperty("owner").GetString());
        Assert.Contains(shown.GetProperty("shares").EnumerateArray(), s => s.GetString() == "erin");
        (await KeyAsync("erin", "delete", "--handle", handle)).ShouldFailWith("RET_OPERATION_NOT_PERMITTED");
    }

    [Fact]
    public async Task OnlyACoSetsTrustedAndExtractableOnlyGoesDown()
    {
        await P.CreateUsersAsync((UserType.Cu, "frank", Password));
        var handle = await GenAesAsync("frank", "attributes");
        var h = handle.ToString();

        (await KeyAsync("frank", "set", "--handle", h, "--attribute", "trusted", "--value", "1")).ShouldFailWith("RET_OPERATION_NOT_PERMITTED");
        (await CliRunner.RunAsync(["key", "set", "--as", "CO", "--handle", h, "--attribute", "trusted", "--value", "1"],
            env: As("admin", TestPartition.CoPassword))).ShouldSucceed();
        (await KeyAsync("frank", "set", "--handle", h, "--attribute", "extractable", "--value", "0")).ShouldSucceed();
        (await KeyAsync("frank", "set", "--handle", h, "--attribute", "354", "--value", "1")).ShouldFailWith("RET_ATTRIBUTE_READ_ONLY");

        using var client = await P.LoginAsync(UserType.Cu, "frank", Password);
        Assert.Equal([1], await client.GetAttributeAsync(handle, 0x86));
        Assert.Equal([0], await client.GetAttributeAsync(handle, 0x162));
        await client.LogoutAsync();
    }
}
