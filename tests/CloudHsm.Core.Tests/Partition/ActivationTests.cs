using System.Text;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Owner;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Partition;

/// <summary>NotActivated -> Active: PO.crt, POAC.crt, then the PRECO's own password change.</summary>
public class ActivationTests
{
    [Fact]
    public async Task OwnerStepsThenPrecoPasswordChange_ActivateThePartition()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;

        var info = partition.Service.GetInfo();
        Assert.Equal(PartitionStatus.Active, info.Status);
        Assert.Equal(partition.Clock.GetUtcNow(), info.ActivatedAt);
        Assert.Equal(OwnerCertificates.Fingerprint(TestCertificates.Der(partition.Owner)), info.OwnerFingerprint);
        var admin = Assert.Single(partition.Service.ListUsers(officer));
        Assert.Equal((UserType.CO, TestPartition.Officer), (admin.Type, admin.Name));
        Assert.Equal(UserType.CO, officer.Actor.Type);
    }

    [Fact]
    public async Task NewPartition_IsNotActivated_AndHasOnlyThePreco()
    {
        using var partition = await TestPartition.InitializedAsync();

        Assert.Equal(PartitionStatus.NotActivated, partition.Service.GetInfo().Status);
        var preco = Assert.Single(partition.Store.ListUsers());
        Assert.Equal((UserType.PRECO, PartitionStateMachine.PrecoName), (preco.Type, preco.Name));
    }

    [Fact]
    public async Task FactoryPrecoPassword_NoLongerLogsInAfterActivation()
    {
        var (partition, _) = await TestPartition.ActiveAsync();
        using var _p = partition;

        var error = await TestPartition.RefusalOf(() =>
            new ValueTask(partition.LoginAsync(UserType.PRECO, TestPartition.Officer, PartitionService.PrecoDefaultPassword)));

        Assert.Equal(HsmError.RET_USER_LOGIN_FAILURE, error);
    }

    [Fact]
    public async Task UserCommandsBeforeActivation_AreRefused()
    {
        using var partition = await TestPartition.InitializedAsync();
        var preco = await partition.LoginAsync(UserType.PRECO, TestPartition.Officer, PartitionService.PrecoDefaultPassword);

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_NOT_ACTIVATED,
            () => partition.CreateUserAsync(preco, UserType.CU, "alice"));
        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_NOT_ACTIVATED,
            () => partition.Service.UnlockUserAsync(preco, UserType.PRECO, TestPartition.Officer));
        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_NOT_ACTIVATED,
            () => partition.Service.GetChallengeAsync(TestPartition.Officer).AsVoid());
        var e = Assert.Throws<HsmException>(() => partition.Service.ListUsers(preco));
        Assert.Equal(HsmError.RET_NOT_ACTIVATED, e.Error);
    }

    [Fact]
    public async Task PrecoPasswordChangeBeforeTheCertificates_IsRefused()
    {
        using var partition = await TestPartition.InitializedAsync();
        var preco = await partition.LoginAsync(UserType.PRECO, TestPartition.Officer, PartitionService.PrecoDefaultPassword);

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_NOT_ACTIVATED, () =>
            partition.Service.ChangePasswordAsync(preco, UserType.PRECO, TestPartition.Officer, TestPartition.OfficerPassword.AsMemory()));

        await partition.Service.StoreCertificateAsync(preco, CertificateSlots.Owner, Encoding.ASCII.GetBytes(partition.Owner.CertificatePem));
        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_NOT_ACTIVATED, () =>
            partition.Service.ChangePasswordAsync(preco, UserType.PRECO, TestPartition.Officer, TestPartition.OfficerPassword.AsMemory()));
        Assert.Equal(PartitionStatus.NotActivated, partition.Partition.Status);
    }

    [Fact]
    public async Task PoacBeforePo_IsRefused()
    {
        using var partition = await TestPartition.InitializedAsync();
        var preco = await partition.LoginAsync(UserType.PRECO, TestPartition.Officer, PartitionService.PrecoDefaultPassword);
        var poac = TestCertificates.SignPartition(partition.Owner, Encoding.ASCII.GetBytes(partition.Service.GetCertificateRequest(preco)));

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_CERT_NOT_FOUND,
            () => partition.Service.StoreCertificateAsync(preco, CertificateSlots.PartitionOwnerAuthorized, poac));
    }

    [Fact]
    public async Task PoacFromAnotherOwner_IsRefusedByThePartition()
    {
        using var partition = await TestPartition.InitializedAsync();
        var preco = await partition.LoginAsync(UserType.PRECO, TestPartition.Officer, PartitionService.PrecoDefaultPassword);
        await partition.Service.StoreCertificateAsync(preco, CertificateSlots.Owner, Encoding.ASCII.GetBytes(partition.Owner.CertificatePem));
        var stranger = OwnerTools.CreateOwner("CN=Stranger", 30);
        var poac = TestCertificates.SignPartition(stranger, Encoding.ASCII.GetBytes(partition.Service.GetCertificateRequest(preco)));

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_CERT_CHAIN_INVALID,
            () => partition.Service.StoreCertificateAsync(preco, CertificateSlots.PartitionOwnerAuthorized, poac));
    }

    [Fact]
    public async Task SecondOwnerCertificateAfterActivation_IsRefused()
    {
        var (partition, officer) = await TestPartition.ActiveAsync();
        using var _ = partition;
        var usurper = OwnerTools.CreateOwner("CN=Usurper", 30);

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_CERT_ALREADY_STORED,
            () => partition.Service.StoreCertificateAsync(officer, CertificateSlots.Owner, Encoding.ASCII.GetBytes(usurper.CertificatePem)));
        Assert.Equal(TestCertificates.Der(partition.Owner), partition.Partition.OwnerCertificate);
    }
}
