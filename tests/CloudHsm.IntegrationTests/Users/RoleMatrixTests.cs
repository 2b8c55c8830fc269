using CloudHsm.Client;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Users;

/// <summary>
/// What each role may do through the mgmt shell. Every refusal carries its stable error name and
/// leaves the users exactly as they were (compared through a CO login that stays open).
/// </summary>
public sealed class RoleMatrixTests(ActivatedPartitionFixture fixture) : IClassFixture<ActivatedPartitionFixture>
{
    private const string Password = "Role-Matrix-2024!";
    private const string OtherPassword = "Other-Secret-2024!";

    private TestPartition P => fixture.Partition;

    [Fact]
    public async Task ACoCreatesAndDeletesUsersOfEveryType()
    {
        var before = await fixture.SnapshotAsync();

        var listed = (await P.AsCoAsync("createUser", "CU", "dora", Password, "createUser", "AU", "audra", Password,
            "createUser", "CO", "oscar", Password, "listUsers")).ShouldSucceed().Stdout;
        Assert.Equal("CU", UserTestKit.Row(listed, "dora").Type);
        Assert.Equal("AU", UserTestKit.Row(listed, "audra").Type);
        Assert.Equal("CO", UserTestKit.Row(listed, "oscar").Type);

        (await P.AsCoAsync("deleteUser", "CU", "dora", "deleteUser", "AU", "audra", "deleteUser", "CO", "oscar")).ShouldSucceed();
        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task ACoCannotDisableUserAccess()
    {
        var before = await fixture.SnapshotAsync();

        (await P.AsCoAsync("disableUserAccess")).ShouldFailWith("RET_OPERATION_NOT_PERMITTED");

        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task ACuCannotManageOtherUsers()
    {
        await P.CreateUsersAsync((UserType.Cu, "cuthbert", Password), (UserType.Cu, "victim", Password));
        var before = await fixture.SnapshotAsync();

        string[][] refused =
        [
            ["createUser", "CU", "intruder", OtherPassword],
            ["deleteUser", "CU", "victim"],
            ["unlockUser", "CU", "victim"],
            ["setUserAttributes", "victim", "export"],
            ["changePswd", "CU", "victim", OtherPassword],
            ["changePswd", "CO", "admin", OtherPassword],
        ];
        var result = await P.ShellAsync([$"loginHSM CU cuthbert {Password}", .. refused.Select(words => string.Join(' ', words))]);

        Assert.Contains("loginHSM success", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(refused.Select(words => $"{words[0]}: RET_OPERATION_NOT_PERMITTED"), UserTestKit.Refusals(result));
        Assert.Equal(before, await fixture.SnapshotAsync());
        await P.AssertCanLogInAsync(UserType.Cu, "victim", Password); // its password is unchanged
    }

    [Fact]
    public async Task ACuListsUsersAndChangesItsOwnPassword()
    {
        await P.CreateUsersAsync((UserType.Cu, "selma", Password));

        var listed = (await P.AsUserAsync("CU", "selma", Password, "listUsers", "changePswd", "CU", "selma", OtherPassword)).ShouldSucceed();

        Assert.Equal("CO", UserTestKit.Row(listed.Stdout, "admin").Type);
        Assert.Contains("changePswd success", listed.Stdout, StringComparison.Ordinal);
        using var client = P.NewClient();
        await UserTestKit.RefusedAsync("RET_USER_LOGIN_FAILURE", () => client.LoginAsync(UserType.Cu, "selma", Password));
        await P.AssertCanLogInAsync(UserType.Cu, "selma", OtherPassword);
    }

    [Fact]
    public async Task AnAuListsUsersButCannotCreateThem()
    {
        await P.CreateUsersAsync((UserType.Au, "auditor", Password));
        var before = await fixture.SnapshotAsync();

        (await P.AsUserAsync("AU", "auditor", Password, "createUser", "CU", "sneaky", OtherPassword)).ShouldFailWith("RET_OPERATION_NOT_PERMITTED");
        Assert.Equal(before, await fixture.SnapshotAsync());

        var listed = (await P.AsUserAsync("AU", "auditor", Password, "listUsers")).ShouldSucceed();
        Assert.Equal("AU", UserTestKit.Row(listed.Stdout, "auditor").Type);
    }

    [Fact]
    public async Task PrecoCannotLogInAfterActivation()
    {
        (await P.MgmtAsync("loginHSM", "PRECO", "admin", "tenantadmin")).ShouldFailWith("RET_USER_LOGIN_FAILURE");
        (await P.MgmtAsync("loginHSM", "PRECO", "admin", TestPartition.CoPassword)).ShouldFailWith("RET_USER_LOGIN_FAILURE");

        var listed = await P.ListUsersAsync(); // the CO's own login still works, and resets the count
        Assert.DoesNotContain(UserTestKit.ParseUsers(listed), u => u.Type == "PRECO");
        Assert.Equal(0, UserTestKit.Row(listed, "admin").LoginFailures);
    }

    [Fact]
    public async Task ACuThatDisabledOfficerAccessCannotBeChangedDeletedOrUnlockedByACo()
    {
        await P.CreateUsersAsync((UserType.Cu, "hermit", Password));
        (await P.AsUserAsync("CU", "hermit", Password, "disableUserAccess")).ShouldSucceed();
        var before = await fixture.SnapshotAsync();
        Assert.Contains("(officer access disabled)", UserTestKit.Row(await P.ListUsersAsync(), "hermit").Restrictions, StringComparison.Ordinal);

        string[][] refused =
        [
            ["changePswd", "CU", "hermit", OtherPassword],
            ["deleteUser", "CU", "hermit"],
            ["unlockUser", "CU", "hermit"],
        ];
        var result = await P.ShellAsync([$"loginHSM CO admin {TestPartition.CoPassword}", .. refused.Select(words => string.Join(' ', words))]);

        Assert.Contains("loginHSM success", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(refused.Select(words => $"{words[0]}: RET_CO_ACCESS_DISABLED"), UserTestKit.Refusals(result));
        Assert.Equal(before, await fixture.SnapshotAsync());
        await P.AssertCanLogInAsync(UserType.Cu, "hermit", Password); // its password is unchanged
    }

    [Fact]
    public async Task SetUserAttributesShowsInListUsers()
    {
        await P.CreateUsersAsync((UserType.Cu, "restricted", Password));

        var listed = (await P.AsCoAsync("setUserAttributes", "restricted", "export", "unwrap", "listUsers")).ShouldSucceed().Stdout;
        Assert.Equal("no-export,no-unwrap", UserTestKit.Row(listed, "restricted").Restrictions);

        var before = await fixture.SnapshotAsync();
        (await P.AsCoAsync("setUserAttributes", "admin", "export")).ShouldFailWith("RET_INVALID_USER_TYPE");
        Assert.Equal(before, await fixture.SnapshotAsync());
        (await P.AsCoAsync("setUserAttributes", "restricted", "teleport")).ShouldFailWith("RET_INVALID_INPUT");
        Assert.Equal(before, await fixture.SnapshotAsync());

        listed = (await P.AsCoAsync("setUserAttributes", "restricted", "none", "listUsers")).ShouldSucceed().Stdout;
        Assert.Equal("-", UserTestKit.Row(listed, "restricted").Restrictions);
    }

    [Fact]
    public async Task ALoggedInUserCannotBeDeletedUntilItLogsOut()
    {
        await P.CreateUsersAsync((UserType.Cu, "busy", Password));
        using var busy = await P.LoginAsync(UserType.Cu, "busy", Password);
        var before = await fixture.SnapshotAsync();

        (await P.AsCoAsync("deleteUser", "CU", "busy")).ShouldFailWith("RET_USER_IS_LOGGED_IN");

        Assert.Equal(before, await fixture.SnapshotAsync());
        Assert.NotEmpty(await busy.ListUsersAsync()); // the login was not ended either
        await busy.LogoutAsync();
        (await P.AsCoAsync("deleteUser", "CU", "busy")).ShouldSucceed();
        Assert.DoesNotContain(await fixture.Officer.ListUsersAsync(), u => u.Name == "busy");
    }

    [Fact]
    public async Task TheLastCoCannotBeDeleted()
    {
        var before = await fixture.SnapshotAsync();

        (await P.AsCoAsync("deleteUser", "CO", "admin")).ShouldFailWith("RET_OPERATION_NOT_PERMITTED");

        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task ADuplicateUserIsRefusedWhateverItsType()
    {
        await P.CreateUsersAsync((UserType.Cu, "twin", Password));
        var before = await fixture.SnapshotAsync();

        (await P.AsCoAsync("createUser", "CU", "twin", OtherPassword)).ShouldFailWith("RET_USER_ALREADY_EXISTS");
        Assert.Equal(before, await fixture.SnapshotAsync());
        (await P.AsCoAsync("createUser", "AU", "twin", OtherPassword)).ShouldFailWith("RET_USER_ALREADY_EXISTS");
        Assert.Equal(before, await fixture.SnapshotAsync());
        await P.AssertCanLogInAsync(UserType.Cu, "twin", Password); // the first twin kept its password
    }

    [Fact]
    public async Task AnUnknownUserTypeIsRefused()
    {
        var before = await fixture.SnapshotAsync();

        (await P.AsCoAsync("createUser", "XX", "bob", Password)).ShouldFailWith("RET_INVALID_USER_TYPE");
        Assert.Equal(before, await fixture.SnapshotAsync());
        // PRECO exists only before activation: the node refuses to create one.
        (await P.AsCoAsync("createUser", "PRECO", "bob", Password)).ShouldFailWith("RET_INVALID_USER_TYPE");
        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task TheUserLimitIsEnforced()
    {
        await using var p = await TestPartition.StartActivatedAsync("--max-users", "3");
        await p.CreateUsersAsync((UserType.Cu, "first", Password), (UserType.Cu, "second", Password));
        using var co = await p.LoginCoAsync();
        var before = await UserTestKit.SnapshotAsync(co);

        (await p.AsCoAsync("createUser", "CU", "third", Password)).ShouldFailWith("RET_USER_LIMIT_REACHED");

        Assert.Equal(before, await UserTestKit.SnapshotAsync(co));
        Assert.Contains("3 of 3", (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed().Stdout, StringComparison.Ordinal);
        (await p.AsCoAsync("deleteUser", "CU", "second", "createUser", "CU", "third", Password)).ShouldSucceed();
        Assert.Contains(await co.ListUsersAsync(), u => u.Name == "third");
    }
}
