using CloudHsm.Client;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Keys;

public sealed class NonFipsSwitchTests
{
    private const string Password = "Crypto-User-2024!";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sha1RsaSigning_NeedsTheNonFipsSwitch(bool nonFips)
    {
        await using var p = nonFips ? await TestPartition.StartActivatedAsync("--non-fips") : await TestPartition.StartActivatedAsync();
        (await p.AsCoAsync("createUser", "CU", "alice", Password)).ShouldSucceed();
        using var alice = new HsmClient(ClientConfig.Load(p.ConfigPath));
        await alice.LoginAsync(UserType.Cu, "alice", Password);
        var (rsaPrivate, _) = await alice.GenerateKeyPairAsync(0x00, "2048");

        Assert.NotEmpty(await alice.SignAsync(rsaPrivate, 0x40, [1, 2, 3])); // SHA256_RSA_PKCS: always
        if (nonFips)
        {
            Assert.NotEmpty(await alice.SignAsync(rsaPrivate, 0x06, [1, 2, 3]));
        }
        else
        {
            var e = await Assert.ThrowsAsync<HsmClientException>(() => alice.SignAsync(rsaPrivate, 0x06, [1, 2, 3]));
            Assert.Equal("RET_MECHANISM_INVALID", e.ErrorName);
        }
    }
}
