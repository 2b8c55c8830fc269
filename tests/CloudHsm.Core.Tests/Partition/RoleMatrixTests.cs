using CloudHsm.Core.Errors;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Partition;

/// <summary>COs manage users and never use keys; CUs use keys and never manage users; AUs only watch.</summary>
public class RoleMatrixTests
{
    [Fact]
    public async Task CryptoUser_CannotCreateUsers()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");
        var alice = await partition.LoginAsync(UserType.CU, "alice", TestPartition.UserPassword);

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_OPERATION_NOT_PERMITTED,
            () => partition.CreateUserAsync(alice, UserType.CU, "mallory"));
    }

    [Fact]
    public async Task ApplianceUser_CannotCreateUsers()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.AU, "watcher");
        var watcher = await partition.LoginAsync(UserType.AU, "watcher", TestPartition.UserPassword);

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_OPERATION_NOT_PERMITTED,
            () => partition.CreateUserAsync(watcher, UserType.CO, "mallory"));
    }

    [Fact]
    public async Task CryptoUser_CanListUsers()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");
        var alice = await partition.LoginAsync(UserType.CU, "alice", TestPartition.UserPassword);

        var users = partition.Service.ListUsers(alice);

        Assert.Equal(new[] { (UserType.CO, TestPartition.Officer), (UserType.CU, "alice") }, users.Select(u => (u.Type, u.Name)));
    }

    [Fact]
    public async Task Officer_CannotDisableOfficerAccess()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_OPERATION_NOT_PERMITTED,
            () => partition.Service.DisableUserAccessAsync(officer));
    }

    [Fact]
    public async Task CryptoUser_CannotUnlockOrChangeAnotherUsersPassword()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");
        var alice = await partition.LoginAsync(UserType.CU, "alice", TestPartition.UserPassword);

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_OPERATION_NOT_PERMITTED,
            () => partition.Service.UnlockUserAsync(alice, UserType.CO, TestPartition.Officer));
        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_OPERATION_NOT_PERMITTED,
            () => partition.Service.ChangePasswordAsync(alice, UserType.CO, TestPartition.Officer, "Taken-Over-Pass-1".AsMemory()));
    }

    [Fact]
    public async Task DisabledOfficerAccess_StopsACoFromChangingDeletingOrUnlockingTheUser()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");
        var alice = await partition.LoginAsync(UserType.CU, "alice", TestPartition.UserPassword);

        await partition.Service.DisableUserAccessAsync(alice);
        Assert.True(partition.User("alice").OfficerAccessDisabled);

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_CO_ACCESS_DISABLED,
            () => partition.Service.ChangePasswordAsync(officer, UserType.CU, "alice", "Officer-Chosen-1".AsMemory()));
        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_CO_ACCESS_DISABLED,
            () => partition.Service.DeleteUserAsync(officer, UserType.CU, "alice"));
        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_CO_ACCESS_DISABLED,
            () => partition.Service.UnlockUserAsync(officer, UserType.CU, "alice"));
        Assert.False(alice.Closed);
    }
}
