using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Activation;

public sealed class ActivationFlowTests
{
    [Fact]
    public async Task ActivationThroughTheCliWithOpensslMakesThePartitionActive()
    {
        await using var p = await TestPartition.StartAsync();
        var before = (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed();
        Assert.Contains("NotActivated", before.Stdout, StringComparison.Ordinal);

        await p.ActivateAsync();

        var after = (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed();
        Assert.Contains("Active", after.Stdout, StringComparison.Ordinal);
        var list = (await p.AsCoAsync("listUsers")).ShouldSucceed();
        Assert.Matches(@"1\s+CO\s+admin", list.Stdout);
        Assert.DoesNotContain("PRECO", list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserCommandsBeforeActivationAreRefused()
    {
        await using var p = await TestPartition.StartAsync();
        (await p.MgmtAsync("loginHSM", "PRECO", "admin", "tenantadmin", "createUser", "CU", "alice", "Alice-Pass-2024!"))
            .ShouldFailWith("RET_NOT_ACTIVATED");
        (await p.MgmtAsync("loginHSM", "PRECO", "admin", "tenantadmin", "listUsers")).ShouldFailWith("RET_NOT_ACTIVATED");
        (await p.MgmtAsync("loginHSM", "PRECO", "admin", "tenantadmin", "changePswd", "PRECO", "admin", "New-Officer-2024!"))
            .ShouldFailWith("RET_NOT_ACTIVATED");
    }
}
