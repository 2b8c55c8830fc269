using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Partition;

/// <summary>createUser and deleteUser: unique names, a user limit, no deleting logged-in users or the last CO.</summary>
public class UserLifecycleTests
{
    [Fact]
    public async Task CreatedUser_IsListedAndCanLogIn()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;

        await partition.CreateUserAsync(officer, UserType.CU, "alice");

        var alice = partition.Service.ListUsers(officer).Single(u => u.Name == "alice");
        Assert.Equal(UserType.CU, alice.Type);
        Assert.Equal(UserType.CU, (await partition.LoginAsync(UserType.CU, "alice", TestPartition.UserPassword)).Actor.Type);
    }

    [Fact]
    public async Task DuplicateUserName_IsRefused()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_USER_ALREADY_EXISTS,
            () => partition.CreateUserAsync(officer, UserType.AU, "alice"));
    }

    [Fact]
    public async Task DuplicateUserName_IsRefusedByTheStateMachineToo()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_USER_ALREADY_EXISTS, async () => await partition.Log.SubmitAsync(
            new CreateUser(officer.Actor, UserType.CU, TestPartition.Officer, [1, 2, 3]) { At = partition.Clock.GetUtcNow() }));
    }

    [Fact]
    public async Task UserBeyondThePolicyLimit_IsRefused()
    {
        var (partition, officer) = await TestPartition.ActiveAsync(new PartitionPolicy { MaxUsers = 2 });
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_USER_LIMIT_REACHED,
            () => partition.CreateUserAsync(officer, UserType.CU, "bob"));
        Assert.Equal(2, partition.Store.ListUsers().Count);
    }

    [Fact]
    public async Task DeleteOfALoggedInUser_IsRefused_UntilItLogsOut()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");
        var alice = await partition.LoginAsync(UserType.CU, "alice", TestPartition.UserPassword);

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_USER_IS_LOGGED_IN,
            () => partition.Service.DeleteUserAsync(officer, UserType.CU, "alice"));

        partition.Service.Logout(alice);
        await partition.Service.DeleteUserAsync(officer, UserType.CU, "alice");
        Assert.Null(partition.Store.FindUser("alice"));
    }

    [Fact]
    public async Task OfficerDeletingItself_IsRefused()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_OPERATION_NOT_PERMITTED,
            () => partition.Service.DeleteUserAsync(officer, UserType.CO, TestPartition.Officer));
    }

    /// <remarks>
    /// A CO cannot delete itself, so with a live actor there are always two COs; the rule is reached
    /// only by an actor that is no longer a CO of the partition (a login that outlived its user), which
    /// this test submits directly.
    /// </remarks>
    [Fact]
    public async Task DeleteOfTheLastOfficer_IsRefused()
    {
        // The only CO cannot delete itself, and a command from a CO that no longer exists acts no more,
        // so the partition always keeps a CO.
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _p = partition;

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_OPERATION_NOT_PERMITTED,
            () => partition.Service.DeleteUserAsync(officer, UserType.CO, TestPartition.Officer));
        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_USER_NOT_LOGGED_IN, async () => await partition.Log.SubmitAsync(
            new DeleteUser(new Actor("former-co", UserType.CO), UserType.CO, TestPartition.Officer) { At = partition.Clock.GetUtcNow() }));
    }

    [Fact]
    public async Task DeleteOfAnOfficerWhileAnotherRemains_Succeeds()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CO, "bob");

        await partition.Service.DeleteUserAsync(officer, UserType.CO, "bob");

        Assert.Equal([TestPartition.Officer], partition.Store.ListUsers().Select(u => u.Name));
    }

    [Fact]
    public async Task DeleteOfACryptoUserThatOwnsKeys_IsRefused()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");
        partition.Store.Apply(w =>
        {
            w.PutKey(new CloudHsm.Core.Keys.KeyRecord
            {
                Handle = 7,
                Owner = "alice",
                Attributes = CloudHsm.Core.Keys.AttributePolicy.ForNewKey(CloudHsm.Core.Keys.ObjectClass.SecretKey,
                    CloudHsm.Core.Keys.KeyType.Aes, CloudHsm.Core.Keys.AttributeSet.Empty, CloudHsm.Core.Keys.AttributePolicy.Origin.Generated),
            });
            return 0;
        });

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_USER_OWNS_KEYS,
            () => partition.Service.DeleteUserAsync(officer, UserType.CU, "alice"));

        partition.Store.Apply(w =>
        {
            w.RemoveKey(7);
            return 0;
        });
        await partition.Service.DeleteUserAsync(officer, UserType.CU, "alice");
        Assert.Null(partition.Store.FindUser("alice"));
    }
}
