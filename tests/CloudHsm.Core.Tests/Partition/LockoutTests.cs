using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Partition;

/// <summary>Consecutive failed logins lock a user; a CO unlocks a CU, never a CO.</summary>
public class LockoutTests
{
    private const string WrongPassword = "Wrong-Password-1";

    [Fact]
    public async Task FiveFailedLogins_LockTheUser_EvenAgainstTheRightPassword()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");

        for (var i = 1; i <= 4; i++)
        {
            Assert.Equal(HsmError.RET_USER_LOGIN_FAILURE, await FailedLogin(partition, "alice", WrongPassword));
            Assert.Equal((i, false), (partition.User("alice").FailedLogins, partition.User("alice").Locked));
        }
        // The locking guess fails as a guess; from then on every password, right or wrong, gets "locked",
        // so further guesses learn nothing and are not counted.
        Assert.Equal(HsmError.RET_USER_LOGIN_FAILURE, await FailedLogin(partition, "alice", WrongPassword));
        Assert.True(partition.User("alice").Locked);
        Assert.Equal(HsmError.RET_USER_LOCKED, await FailedLogin(partition, "alice", WrongPassword));
        Assert.Equal(HsmError.RET_USER_LOCKED, await FailedLogin(partition, "alice", TestPartition.UserPassword));
        Assert.Equal(5, partition.User("alice").FailedLogins);
    }

    [Fact]
    public async Task SuccessfulLogin_ResetsTheFailureCount()
    {
        var (partition, officer) = await TestPartition.ActiveAsync(new PartitionPolicy { LockoutThreshold = 2 });
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");

        Assert.Equal(HsmError.RET_USER_LOGIN_FAILURE, await FailedLogin(partition, "alice", WrongPassword));
        await partition.LoginAsync(UserType.CU, "alice", TestPartition.UserPassword);
        Assert.Equal(HsmError.RET_USER_LOGIN_FAILURE, await FailedLogin(partition, "alice", WrongPassword));

        Assert.False(partition.User("alice").Locked);
    }

    [Fact]
    public async Task OfficerUnlock_ResetsALockedCryptoUser()
    {
        var (partition, officer) = await TestPartition.ActiveAsync(new PartitionPolicy { LockoutThreshold = 1 });
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");
        Assert.Equal(HsmError.RET_USER_LOGIN_FAILURE, await FailedLogin(partition, "alice", WrongPassword));
        Assert.True(partition.User("alice").Locked);

        await partition.Service.UnlockUserAsync(officer, UserType.CU, "alice");

        var alice = partition.Service.ListUsers(officer).Single(u => u.Name == "alice");
        Assert.Equal((false, 0), (alice.Locked, alice.FailedLogins));
        var login = await partition.LoginAsync(UserType.CU, "alice", TestPartition.UserPassword);
        Assert.Equal("alice", login.Actor.Name);
    }

    [Fact]
    public async Task OfficerUnlockOfAnOfficer_IsRefused()
    {
        var (partition, officer) = await TestPartition.ActiveAsync(new PartitionPolicy { LockoutThreshold = 1 });
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CO, "bob");
        Assert.Equal(HsmError.RET_USER_LOGIN_FAILURE, await FailedLogin(partition, "bob", WrongPassword, UserType.CO));
        Assert.True(partition.User("bob").Locked);

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_OPERATION_NOT_PERMITTED,
            () => partition.Service.UnlockUserAsync(officer, UserType.CO, "bob"));
        Assert.True(partition.User("bob").Locked);
    }

    [Fact]
    public async Task LoginAsTheWrongUserType_CountsAsAFailure()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");

        var error = await TestPartition.RefusalOf(() => new ValueTask(partition.LoginAsync(UserType.CO, "alice", TestPartition.UserPassword)));

        Assert.Equal(HsmError.RET_USER_LOGIN_FAILURE, error);
        Assert.Equal(1, partition.User("alice").FailedLogins);
    }

    private static Task<HsmError> FailedLogin(TestPartition partition, string name, string password, UserType type = UserType.CU) =>
        TestPartition.RefusalOf(() => new ValueTask(partition.LoginAsync(type, name, password)));
}
