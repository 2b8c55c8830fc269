using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Users;

/// <summary>
/// A locked CO is recovered with the owner's key, offline: getChallenge (no login), the PO signs the
/// challenge with openssl (or `cloudhsm po sign-challenge`), unlockCO sets a new password. Each
/// challenge works once, only with the PO's signature, and only until it expires.
/// </summary>
public sealed class OfficerRecoveryTests(ActivatedPartitionFixture fixture) : IClassFixture<ActivatedPartitionFixture>
{
    private const string OldPassword = "Second-Officer-2024!";

    private TestPartition P => fixture.Partition;

    [Fact]
    public async Task ALockedCoIsRecoveredWithAChallengeSignedByOpensslAndTheSignatureWorksOnce()
    {
        await LockedOfficerAsync(P, "officer2");
        var challenge = Path.Combine(P.Directory, "officer2-challenge.bin");
        var signature = Path.Combine(P.Directory, "officer2-challenge.sig");

        var issued = (await P.MgmtAsync("getChallenge", "officer2", challenge)).ShouldSucceed();
        Assert.Contains("getChallenge success", issued.Stdout, StringComparison.Ordinal);
        await Tool.OpenSslAsync(P.Directory, "dgst", "-sha256", "-sign", P.PoKey, "-out", signature, challenge);

        const string newPassword = "Recovered-Officer-2024!";
        (await P.MgmtAsync("unlockCO", "officer2", signature, newPassword)).ShouldSucceed();

        var row = UserTestKit.Row((await P.AsUserAsync("CO", "officer2", newPassword, "listUsers")).ShouldSucceed().Stdout, "officer2");
        Assert.False(row.Locked);
        Assert.Equal(0, row.LoginFailures);

        // Replaying the same signature: the challenge was used, so nothing changes.
        var before = await fixture.SnapshotAsync();
        (await P.MgmtAsync("unlockCO", "officer2", signature, "Replayed-Officer-2024!")).ShouldFailWith("RET_CHALLENGE_INVALID");
        Assert.Equal(before, await fixture.SnapshotAsync());

        using var client = P.NewClient();
        await UserTestKit.RefusedAsync("RET_USER_LOGIN_FAILURE", () => client.LoginAsync(UserType.Co, "officer2", "Replayed-Officer-2024!"));
        await UserTestKit.RefusedAsync("RET_USER_LOGIN_FAILURE", () => client.LoginAsync(UserType.Co, "officer2", OldPassword));
        await P.AssertCanLogInAsync(UserType.Co, "officer2", newPassword);
    }

    [Fact]
    public async Task ASignatureByAnotherKeyIsRefusedAndLeavesTheChallengeOpenForPoSignChallenge()
    {
        await LockedOfficerAsync(P, "officer3");
        var challenge = Path.Combine(P.Directory, "officer3-challenge.bin");
        var forged = Path.Combine(P.Directory, "officer3-forged.sig");
        var otherKey = Path.Combine(P.Directory, "not-the-owner.key");
        (await P.MgmtAsync("getChallenge", "officer3", challenge)).ShouldSucceed();
        await Tool.OpenSslAsync(P.Directory, "genrsa", "-out", otherKey, "2048");
        await Tool.OpenSslAsync(P.Directory, "dgst", "-sha256", "-sign", otherKey, "-out", forged, challenge);

        var before = await fixture.SnapshotAsync();
        (await P.MgmtAsync("unlockCO", "officer3", forged, "Forged-Officer-2024!")).ShouldFailWith("RET_SIGNATURE_INVALID");
        Assert.Equal(before, await fixture.SnapshotAsync());
        Assert.True(UserTestKit.Row(await P.ListUsersAsync(), "officer3").Locked);

        // The refused attempt did not use the challenge up: the owner's own tool signs it and it works.
        var signature = Path.Combine(P.Directory, "officer3-po.sig");
        (await CliRunner.RunAsync("po", "sign-challenge", "--challenge", challenge, "--po-key", P.PoKey, "--out", signature)).ShouldSucceed();
        Assert.True(File.Exists(signature));
        const string newPassword = "Recovered-Third-2024!";
        (await P.MgmtAsync("unlockCO", "officer3", signature, newPassword)).ShouldSucceed();
        Assert.False(UserTestKit.Row((await P.AsUserAsync("CO", "officer3", newPassword, "listUsers")).ShouldSucceed().Stdout, "officer3").Locked);
    }

    [Fact]
    public async Task AChallengeIsOnlyForACo()
    {
        await P.CreateUsersAsync((UserType.Cu, "not_an_officer", "Crypto-User-2024!"));
        var before = await fixture.SnapshotAsync();
        var file = Path.Combine(P.Directory, "cu-challenge.bin");

        (await P.MgmtAsync("getChallenge", "not_an_officer", file)).ShouldFailWith("RET_USER_NOT_FOUND");
        (await P.MgmtAsync("getChallenge", "nobody_at_all", file)).ShouldFailWith("RET_USER_NOT_FOUND");

        Assert.False(File.Exists(file));
        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task OpenChallengesAreNeverPushedOutByNewOnes()
    {
        await LockedOfficerAsync(P, "officer4");
        using var anonymous = P.NewClient();
        var first = await anonymous.GetChallengeAsync("officer4");
        for (var i = 1; i < 8; i++) await anonymous.GetChallengeAsync("officer4");
        var before = await fixture.SnapshotAsync();

        await UserTestKit.RefusedAsync("RET_CHALLENGE_LIMIT_REACHED", () => anonymous.GetChallengeAsync("officer4"));
        (await P.MgmtAsync("getChallenge", "officer4", Path.Combine(P.Directory, "officer4-ninth.bin"))).ShouldFailWith("RET_CHALLENGE_LIMIT_REACHED");

        Assert.Equal(before, await fixture.SnapshotAsync());
        // The first challenge is still open: the owner's signature over it recovers the CO.
        var challenge = Path.Combine(P.Directory, "officer4-first.bin");
        var signature = Path.Combine(P.Directory, "officer4-first.sig");
        await File.WriteAllBytesAsync(challenge, first.Nonce.ToByteArray());
        await Tool.OpenSslAsync(P.Directory, "dgst", "-sha256", "-sign", P.PoKey, "-out", signature, challenge);
        (await P.MgmtAsync("unlockCO", "officer4", signature, "Recovered-Fourth-2024!")).ShouldSucceed();
        await P.AssertCanLogInAsync(UserType.Co, "officer4", "Recovered-Fourth-2024!");
    }

    [Fact]
    public async Task AnExpiredChallengeIsRefused()
    {
        await using var p = await TestPartition.StartActivatedAsync("--challenge-lifetime", "10");
        await LockedOfficerAsync(p, "officer2");
        var challenge = Path.Combine(p.Directory, "challenge.bin");
        var signature = Path.Combine(p.Directory, "challenge.sig");
        (await p.MgmtAsync("getChallenge", "officer2", challenge)).ShouldSucceed();
        await Tool.OpenSslAsync(p.Directory, "dgst", "-sha256", "-sign", p.PoKey, "-out", signature, challenge);
        using var co = await p.LoginCoAsync();
        var before = await UserTestKit.SnapshotAsync(co);

        await Task.Delay(TimeSpan.FromSeconds(11));

        (await p.MgmtAsync("unlockCO", "officer2", signature, "Too-Late-Officer-2024!")).ShouldFailWith("RET_CHALLENGE_EXPIRED");
        Assert.Equal(before, await UserTestKit.SnapshotAsync(co));
        Assert.True((await co.ListUsersAsync()).Single(u => u.Name == "officer2").Locked);
    }

    private static async Task LockedOfficerAsync(TestPartition p, string name)
    {
        await p.CreateUsersAsync((UserType.Co, name, OldPassword));
        await p.LockAsync(UserType.Co, name, OldPassword);
    }
}
