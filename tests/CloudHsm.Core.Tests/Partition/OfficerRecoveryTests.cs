using CloudHsm.Core.Errors;
using CloudHsm.Core.Owner;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Partition;

/// <summary>A locked CO comes back only with the owner's signature over a fresh, unused challenge.</summary>
public class OfficerRecoveryTests
{
    private const string NewPassword = "Recovered-Pass-9";

    [Fact]
    public async Task SignedChallenge_RecoversALockedOfficer()
    {
        using var partition = await LockedOfficerAsync();
        var (nonce, expiresAt) = await partition.Service.GetChallengeAsync(TestPartition.Officer);
        Assert.Equal(partition.Clock.GetUtcNow().AddSeconds(300), expiresAt);

        await partition.Service.RecoverOfficerAsync(TestPartition.Officer, nonce,
            OwnerTools.SignChallenge(nonce, partition.Owner.PrivateKeyPem), NewPassword.AsMemory());

        var officer = partition.User(TestPartition.Officer);
        Assert.Equal((false, 0), (officer.Locked, officer.FailedLogins));
        Assert.Empty(partition.Partition.Challenges);
        var login = await partition.LoginAsync(UserType.CO, TestPartition.Officer, NewPassword);
        Assert.Equal(UserType.CO, login.Actor.Type);
    }

    [Fact]
    public async Task ReplayOfAUsedChallenge_IsRefused()
    {
        using var partition = await LockedOfficerAsync();
        var (nonce, _) = await partition.Service.GetChallengeAsync(TestPartition.Officer);
        var signature = OwnerTools.SignChallenge(nonce, partition.Owner.PrivateKeyPem);
        await partition.Service.RecoverOfficerAsync(TestPartition.Officer, nonce, signature, NewPassword.AsMemory());

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_CHALLENGE_INVALID,
            () => partition.Service.RecoverOfficerAsync(TestPartition.Officer, nonce, signature, "Another-Pass-10".AsMemory()));
    }

    [Fact]
    public async Task ExpiredChallenge_IsRefused()
    {
        using var partition = await LockedOfficerAsync();
        var (nonce, _) = await partition.Service.GetChallengeAsync(TestPartition.Officer);
        partition.Clock.Advance(TimeSpan.FromSeconds(301));

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_CHALLENGE_EXPIRED, () =>
            partition.Service.RecoverOfficerAsync(TestPartition.Officer, nonce,
                OwnerTools.SignChallenge(nonce, partition.Owner.PrivateKeyPem), NewPassword.AsMemory()));
        Assert.True(partition.User(TestPartition.Officer).Locked);
    }

    [Fact]
    public async Task SignatureByAnotherKey_IsRefused()
    {
        using var partition = await LockedOfficerAsync();
        var (nonce, _) = await partition.Service.GetChallengeAsync(TestPartition.Officer);
        var stranger = OwnerTools.CreateOwner("CN=Stranger", 30);

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_SIGNATURE_INVALID, () =>
            partition.Service.RecoverOfficerAsync(TestPartition.Officer, nonce,
                OwnerTools.SignChallenge(nonce, stranger.PrivateKeyPem), NewPassword.AsMemory()));
        Assert.True(partition.User(TestPartition.Officer).Locked);
    }

    [Fact]
    public async Task NonceThatWasNeverIssued_IsRefused()
    {
        using var partition = await LockedOfficerAsync();
        await partition.Service.GetChallengeAsync(TestPartition.Officer);
        var forged = new byte[48];

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_CHALLENGE_INVALID, () =>
            partition.Service.RecoverOfficerAsync(TestPartition.Officer, forged,
                OwnerTools.SignChallenge(forged, partition.Owner.PrivateKeyPem), NewPassword.AsMemory()));
    }

    [Fact]
    public async Task SignatureWithoutTheNonce_RecoversThroughTheOpenChallengeItSigns()
    {
        using var partition = await LockedOfficerAsync();
        await partition.Service.GetChallengeAsync(TestPartition.Officer);
        var (nonce, _) = await partition.Service.GetChallengeAsync(TestPartition.Officer);

        await partition.Service.RecoverOfficerAsync(TestPartition.Officer, null,
            OwnerTools.SignChallenge(nonce, partition.Owner.PrivateKeyPem), NewPassword.AsMemory());

        Assert.False(partition.User(TestPartition.Officer).Locked);
        Assert.DoesNotContain(partition.Partition.Challenges, c => c.Nonce.AsSpan().SequenceEqual(nonce));
        Assert.Single(partition.Partition.Challenges);
    }

    [Fact]
    public async Task SignatureWithoutTheNonce_ByAnotherKey_IsRefused()
    {
        using var partition = await LockedOfficerAsync();
        var (nonce, _) = await partition.Service.GetChallengeAsync(TestPartition.Officer);
        var stranger = OwnerTools.CreateOwner("CN=Stranger", 30);

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_SIGNATURE_INVALID, () =>
            partition.Service.RecoverOfficerAsync(TestPartition.Officer, [],
                OwnerTools.SignChallenge(nonce, stranger.PrivateKeyPem), NewPassword.AsMemory()));
    }

    [Fact]
    public async Task SignatureWithoutTheNonce_WithNoOpenChallenge_IsRefused()
    {
        using var partition = await LockedOfficerAsync();

        await partition.AssertRefusedWithoutChangeAsync(HsmError.RET_CHALLENGE_INVALID, () =>
            partition.Service.RecoverOfficerAsync(TestPartition.Officer, null,
                OwnerTools.SignChallenge(new byte[48], partition.Owner.PrivateKeyPem), NewPassword.AsMemory()));
    }

    /// <summary>An active partition whose only CO locked itself out with one wrong password.</summary>
    private static async Task<TestPartition> LockedOfficerAsync()
    {
        var (partition, officer) = await TestPartition.ActiveAsync(new PartitionPolicy { LockoutThreshold = 1 });
        partition.Service.Logout(officer);
        var error = await TestPartition.RefusalOf(() => new ValueTask(partition.LoginAsync(UserType.CO, TestPartition.Officer, "Wrong-Password-1")));
        Assert.Equal(HsmError.RET_USER_LOGIN_FAILURE, error);
        Assert.True(partition.User(TestPartition.Officer).Locked);
        return partition;
    }
}
