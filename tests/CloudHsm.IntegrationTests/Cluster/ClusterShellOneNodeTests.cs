using CloudHsm.IntegrationTests.Harness;
using CloudHsm.IntegrationTests.Users;

namespace CloudHsm.IntegrationTests.Cluster;

/// <summary>The cluster views of the shell and the CLI against one real node: the per-node forms work with a one-node configuration too.</summary>
public sealed class ClusterShellOneNodeTests(ActivatedPartitionFixture fixture) : IClassFixture<ActivatedPartitionFixture>
{
    private TestPartition P => fixture.Partition;

    [Fact]
    public async Task ListUsersOnAllNodesLogsInToEachNodeAndHeadsItsTable()
    {
        var result = await P.MgmtAsync("loginHSM", "CO", "admin", TestPartition.CoPassword, "listUsers", "-all-nodes");

        result.ShouldSucceed();
        Assert.Contains($"Users on server 0({P.Node.Endpoint}):", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Number of users found:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("admin", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAllNodesFormsNeedALoginToRepeat()
    {
        (await P.MgmtAsync("listUsers", "-all-nodes")).ShouldFailWith("RET_USER_NOT_LOGGED_IN");
        (await P.MgmtAsync("loginHSM", "CO", "admin", TestPartition.CoPassword, "listUsers", "-everywhere")).ShouldFailWith("RET_INVALID_INPUT");
    }

    [Fact]
    public async Task FindAllKeysOnAllNodesReportsEachServer()
    {
        var result = await P.MgmtAsync("loginHSM", "CO", "admin", TestPartition.CoPassword, "findAllKeys", "1", "0", "-all-nodes");

        result.ShouldSucceed();
        Assert.Contains($"Keys on server 0({P.Node.Endpoint}):", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("findAllKeys success", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterInfoShowsTheNodeWithItsRole()
    {
        var shell = (await P.MgmtAsync("getClusterInfo")).ShouldSucceed();
        var cli = (await CliRunner.RunAsync(["cluster", "info", "--config", P.ConfigPath])).ShouldSucceed();

        foreach (var output in new[] { shell.Stdout, cli.Stdout })
        {
            Assert.Contains("ROLE", output, StringComparison.Ordinal);
            Assert.Contains(P.Node.Endpoint, output, StringComparison.Ordinal);
        }
    }
}
