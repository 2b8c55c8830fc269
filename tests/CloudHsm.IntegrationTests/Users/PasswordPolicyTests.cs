using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Users;

/// <summary>The password rules of createUser, as the mgmt shell reports them, and the node's --min-password-length.</summary>
public sealed class PasswordPolicyTests(ActivatedPartitionFixture fixture) : IClassFixture<ActivatedPartitionFixture>
{
    private TestPartition P => fixture.Partition;

    public static TheoryData<string, string, string> WeakPasswords => new()
    {
        { "short_user", "Sh0rt-Pass!", "12 to 32 characters" },                                 // 11 characters
        { "long_user", "Aa1-" + new string('x', 29), "12 to 32 characters" },                   // 33 characters
        { "lower_user", "onlylowercaseletters", "at least three of" },                           // one class
        { "twoclass_user", "lowercase2024digits", "at least three of" },                         // two classes
        { "alice", "xAlice-Pass-2024", "must not contain the user name" },                       // the name, any case
        { "hash_user", "Good#Pass-2024x", "PKCS#11" },
        { "colon_user", "Good:Pass-2024x", "PKCS#11" },
        { "semicolon_user", "Good;Pass-2024x", "PKCS#11" },
        { "quote_user", "Good'Pass-2024x", "PKCS#11" },
    };

    [Theory]
    [MemberData(nameof(WeakPasswords))]
    public async Task CreateUserWithAWeakPasswordIsRefusedAndCreatesNothing(string name, string password, string why)
    {
        var before = await fixture.SnapshotAsync();

        var result = (await P.AsCoAsync("createUser", "CU", name, password)).ShouldFailWith("RET_INVALID_PASSWORD_POLICY");

        Assert.Contains(why, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(password, result.Output, StringComparison.Ordinal); // a refused password is not echoed back
        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task CreateUserWithAGoodPasswordWorksAndTheUserLogsIn()
    {
        const string password = "Valid-Pass-2024x";
        (await P.AsCoAsync("createUser", "CU", "carol", password)).ShouldSucceed();

        var listed = (await P.AsUserAsync("CU", "carol", password, "listUsers")).ShouldSucceed();
        Assert.Equal("CU", UserTestKit.Row(listed.Stdout, "carol").Type);
    }

    [Fact]
    public async Task AMinimumOfEightAcceptsANineCharacterThreeClassPassword()
    {
        await using var p = await TestPartition.StartActivatedAsync("--min-password-length", "8");
        var info = (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed();
        Assert.Contains("8..32 characters", info.Stdout, StringComparison.Ordinal);

        (await p.AsCoAsync("createUser", "CU", "shorty", "Abcdefg12")).ShouldSucceed();
        await p.AssertCanLogInAsync(UserType.Cu, "shorty", "Abcdefg12");

        using var co = await p.LoginCoAsync();
        var before = await UserTestKit.SnapshotAsync(co);
        (await p.AsCoAsync("createUser", "CU", "shorter", "Abcde12")).ShouldFailWith("RET_INVALID_PASSWORD_POLICY");
        Assert.Equal(before, await UserTestKit.SnapshotAsync(co));
    }

    [Fact]
    public async Task AMinimumBelowEightMakesTheNodeRefuseToStart()
    {
        var dir = Directory.CreateTempSubdirectory("cloudhsm-it-").FullName;
        try
        {
            var data = Path.Combine(dir, "data");
            var result = await NodeProcess.RunExpectingExitAsync(data, "--listen", $"127.0.0.1:{NodeProcess.FreePort()}", "--min-password-length", "7");

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("RET_INVALID_INPUT", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("minimum password length", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
            Assert.False(Directory.Exists(data), "a node that refused to start must not create its data directory");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
