using System.Text.RegularExpressions;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Lifecycle;

public sealed partial class ZeroizeTests
{
    [Fact]
    public async Task ZeroizeNeedsTheSerialThenErasesThePartitionAndStopsTheNode()
    {
        await using var p = await TestPartition.StartActivatedAsync();
        var serial = SerialOf((await p.MgmtAsync("getPartitionInfo")).ShouldSucceed().Stdout);
        (await p.AsCoAsync("createUser", "CU", "alice", "Crypto-User-2024!")).ShouldSucceed();

        // A wrong confirmation changes nothing.
        (await p.AsCoAsync("zeroize", "0000000000000000")).ShouldFailWith("RET_CONFIRMATION_REQUIRED");
        Assert.Contains("alice", (await p.AsCoAsync("listUsers")).ShouldSucceed().Stdout, StringComparison.Ordinal);

        (await p.AsCoAsync("zeroize", serial)).ShouldSucceed();

        // The node stops by itself, and what could open the old records is gone from its directory.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!p.Node.HasExited && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(p.Node.HasExited, "the node kept running after zeroize");
        Assert.False(File.Exists(Path.Combine(p.DataDirectory, "keyring.sealed")), "the keyring survived zeroize");
        var wal = Path.Combine(p.DataDirectory, "partition.db-wal");
        Assert.True(!File.Exists(wal) || new FileInfo(wal).Length == 0, "old WAL frames survived zeroize");

        // Started again, it is a new partition: new serial, not activated, PRECO again, no old users.
        await p.RestartAsync();
        var info = (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed().Stdout;
        Assert.Contains("NotActivated", info, StringComparison.Ordinal);
        Assert.NotEqual(serial, SerialOf(info));
        (await p.MgmtAsync("loginHSM", "CO", "admin", TestPartition.CoPassword)).ShouldFailWith("RET_USER_LOGIN_FAILURE");
        (await p.MgmtAsync("loginHSM", "PRECO", "admin", "tenantadmin", "getCertReq", Path.Combine(p.Directory, "new.csr"))).ShouldSucceed();
    }

    private static string SerialOf(string partitionInfo) => SerialLine().Match(partitionInfo).Groups[1].Value;

    [GeneratedRegex(@"serial number:\s+([0-9A-F]+)")]
    private static partial Regex SerialLine();
}
