using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Users;

/// <summary>Consecutive failed logins lock a user (threshold 5); a CO unlocks a CU, never a CO.</summary>
public sealed class LockoutTests(ActivatedPartitionFixture fixture) : IClassFixture<ActivatedPartitionFixture>
{
    private const string CuPassword = "Crypto-User-2024!";
    private const string WrongPassword = "Not-The-Password-1";

    private TestPartition P => fixture.Partition;

    [Fact]
    public async Task FiveWrongPasswordsLockACuUntilACoUnlocksIt()
    {
        await P.CreateUsersAsync((UserType.Cu, "carl", CuPassword));

        // The first four through the SDK (quick), the fifth and sixth through the mgmt shell as a person sees them.
        using (var stranger = P.NewClient())
        {
            for (var attempt = 1; attempt <= 4; attempt++)
            {
                await UserTestKit.RefusedAsync("RET_USER_LOGIN_FAILURE", () => stranger.LoginAsync(UserType.Cu, "carl", WrongPassword));
            }
        }
        (await P.AsUserAsync("CU", "carl", WrongPassword, "listUsers")).ShouldFailWith("RET_USER_LOGIN_FAILURE");
        // Locked now: a further guess gets "locked" and cannot learn whether it was right...
        (await P.AsUserAsync("CU", "carl", WrongPassword, "listUsers")).ShouldFailWith("RET_USER_LOCKED");
        // ...and the right password is refused the same way, and told why.
        var right = (await P.AsUserAsync("CU", "carl", CuPassword, "listUsers")).ShouldFailWith("RET_USER_LOCKED");
        Assert.Contains("unlockUser", right.Stderr, StringComparison.Ordinal);

        var locked = UserTestKit.Row(await P.ListUsersAsync(), "carl");
        Assert.True(locked.Locked, $"listUsers should show carl locked: {locked}");
        Assert.True(locked.LoginFailures >= 5, $"listUsers should count carl's failures: {locked}");

        var unlocked = UserTestKit.Row((await P.AsCoAsync("unlockUser", "CU", "carl", "listUsers")).ShouldSucceed().Stdout, "carl");

        Assert.False(unlocked.Locked, $"carl should be unlocked: {unlocked}");
        Assert.Equal(0, unlocked.LoginFailures);
        (await P.AsUserAsync("CU", "carl", CuPassword, "listUsers")).ShouldSucceed();
    }

    [Fact]
    public async Task ALoginMadeBeforeTheLockActsNoMore()
    {
        await P.CreateUsersAsync((UserType.Cu, "early", CuPassword));
        using var early = await P.LoginAsync(UserType.Cu, "early", CuPassword);

        await P.LockAsync(UserType.Cu, "early", CuPassword);

        await UserTestKit.RefusedAsync("RET_USER_NOT_LOGGED_IN", () => early.ChangePasswordAsync(UserType.Cu, "early", "Changed-While-Locked-1!"));
        (await P.AsCoAsync("unlockUser", "CU", "early")).ShouldSucceed();
        await P.AssertCanLogInAsync(UserType.Cu, "early", CuPassword); // the password did not change
    }

    [Fact]
    public async Task ASuccessfulLoginResetsTheFailureCount()
    {
        await P.CreateUsersAsync((UserType.Cu, "cora", CuPassword));
        using var stranger = P.NewClient();
        async Task<User> CoraAsync() => (await fixture.Officer.ListUsersAsync()).Single(u => u.Name == "cora");

        for (var i = 0; i < 4; i++)
        {
            await UserTestKit.RefusedAsync("RET_USER_LOGIN_FAILURE", () => stranger.LoginAsync(UserType.Cu, "cora", WrongPassword));
        }
        Assert.Equal(4, (await CoraAsync()).FailedLogins);

        await P.AssertCanLogInAsync(UserType.Cu, "cora", CuPassword);
        Assert.Equal(0, (await CoraAsync()).FailedLogins);

        // Four more failures are not five in a row: cora is not locked.
        for (var i = 0; i < 4; i++)
        {
            await UserTestKit.RefusedAsync("RET_USER_LOGIN_FAILURE", () => stranger.LoginAsync(UserType.Cu, "cora", WrongPassword));
        }
        Assert.False((await CoraAsync()).Locked);
        (await P.AsUserAsync("CU", "cora", CuPassword, "listUsers")).ShouldSucceed();
    }

    [Fact]
    public async Task ACoCannotUnlockAnotherCo()
    {
        await P.CreateUsersAsync((UserType.Co, "officer2", "Second-Officer-2024!"));
        await P.LockAsync(UserType.Co, "officer2", "Second-Officer-2024!");
        var before = await fixture.SnapshotAsync();
        Assert.True(UserTestKit.Row(await P.ListUsersAsync(), "officer2").Locked);

        var refused = (await P.AsCoAsync("unlockUser", "CO", "officer2")).ShouldFailWith("RET_OPERATION_NOT_PERMITTED");

        Assert.Contains("unlockCO", refused.Stderr, StringComparison.Ordinal); // the sentence says what to do instead
        Assert.Equal(before, await fixture.SnapshotAsync());
        var right = (await P.AsUserAsync("CO", "officer2", "Second-Officer-2024!", "listUsers")).ShouldFailWith("RET_USER_LOCKED");
        Assert.Contains("getChallenge", right.Stderr, StringComparison.Ordinal);
    }
}
