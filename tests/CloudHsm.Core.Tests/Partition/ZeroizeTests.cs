using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Partition;

/// <summary>zeroize wipes every user and the identity key, and only when the serial number is typed back.</summary>
public class ZeroizeTests
{
    [Theory]
    [InlineData("")]
    [InlineData("yes")]
    [InlineData("0000000000000000")]
    public async Task ZeroizeWithoutTheSerialNumber_IsRefused(string confirmation)
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_CONFIRMATION_REQUIRED,
            () => partition.Service.ZeroizeAsync(officer, confirmation));
        Assert.Equal(PartitionStatus.Active, partition.Partition.Status);
    }

    [Fact]
    public async Task ZeroizeWithTheSerialNumber_WipesUsersKeyAndLogins()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");

        await partition.Service.ZeroizeAsync(officer, partition.Partition.SerialNumber.ToLowerInvariant());

        Assert.Equal(PartitionStatus.Zeroized, partition.Service.GetInfo().Status);
        Assert.Equal(0, partition.Service.GetInfo().Users);
        Assert.Empty(partition.Store.ListUsers());
        Assert.Empty(partition.Partition.SealedIdentityKey);
        Assert.Null(partition.Partition.OwnerCertificate);
        Assert.Null(partition.Partition.PartitionCertificate);
        Assert.Equal(0, partition.Sessions.LoginCount);
        Assert.Equal(HsmError.RET_PARTITION_ZEROIZED,
            await TestPartition.RefusalOf(() => new ValueTask(partition.LoginAsync(UserType.CO, TestPartition.Officer, TestPartition.OfficerPassword))));
    }

    [Fact]
    public async Task CryptoUser_CannotZeroize()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        await partition.CreateUserAsync(officer, UserType.CU, "alice");
        var alice = await partition.LoginAsync(UserType.CU, "alice", TestPartition.UserPassword);

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_OPERATION_NOT_PERMITTED,
            () => partition.Service.ZeroizeAsync(alice, partition.Partition.SerialNumber));
    }

    [Fact]
    public async Task ZeroizedPartition_CanBeInitialisedAgain_WithAFreshIdentity()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        var before = partition.Partition;
        await partition.Service.ZeroizeAsync(officer, before.SerialNumber);

        await partition.Service.InitializeAsync(partition.Policy);

        Assert.Equal(PartitionStatus.NotActivated, partition.Partition.Status);
        Assert.NotEqual(before.SerialNumber, partition.Partition.SerialNumber);
        Assert.NotEqual(before.IdentityPublicKey, partition.Partition.IdentityPublicKey);
        Assert.Null(partition.Partition.OwnerCertificate);
        Assert.Equal(UserType.PRECO, Assert.Single(partition.Store.ListUsers()).Type);
    }
}
