using System.Globalization;
using System.Text.RegularExpressions;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.IntegrationTests.Users;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Util;

/// <summary>
/// One activated partition for the util tests of a class, with its crypto users made at once (one CO
/// login); each test uses its own CU, so counts of keys stay its own.
/// </summary>
public abstract class UtilPartitionFixture : IAsyncLifetime
{
    public const string Password = "Util-Shell-2024!";

    /// <summary>The CUs the tests of the class use (each made with a PBKDF2 hash, so only those needed).</summary>
    protected abstract string[] Users { get; }

    public TestPartition Partition { get; private set; } = null!;

    /// <summary>User ids by name, as listUsers and -u take them.</summary>
    public IReadOnlyDictionary<string, int> Ids { get; private set; } = new Dictionary<string, int>();

    public async Task InitializeAsync()
    {
        Partition = await TestPartition.StartActivatedAsync();
        using var co = await Partition.LoginCoAsync();
        foreach (var user in Users) await co.CreateUserAsync(UserType.Cu, user, Password);
        Ids = (await co.ListUsersAsync()).ToDictionary(u => u.Name, u => u.Id);
        await co.LogoutAsync();
    }

    public Task<UtilSession> SessionAsync(string user) => UtilSession.LoginAsync(Partition, user, Password);

    /// <summary>`cloudhsm util --config ... singlecmd loginHSM -u CU -s USER -p PW WORDS...`</summary>
    public Task<CliResult> SingleAsync(string user, params string[] words) =>
        CliRunner.RunAsync(["util", "--config", Partition.ConfigPath, "singlecmd", "loginHSM", "-u", "CU", "-s", user, "-p", Password, .. words]);

    public async Task DisposeAsync()
    {
        if (Partition is not null) await Partition.DisposeAsync();
    }
}

public sealed class UtilKeyFixture : UtilPartitionFixture
{
    protected override string[] Users => ["ann", "ben", "eve", "fay", "hal"];
}

public sealed class UtilTransferFixture : UtilPartitionFixture
{
    protected override string[] Users => ["ben", "cat", "dan", "gus"];
}

/// <summary>Reading the util shell's output as a script would.</summary>
public static partial class UtilOutput
{
    /// <summary>"Key Handle: 262161" (genSymKey, unWrapKey, importPrivateKey...).</summary>
    public static ulong Handle(string output) => ulong.Parse(KeyHandle().Match(output) is { Success: true } m ? m.Groups[1].Value
        : throw new InvalidOperationException("no key handle in:\n" + output), CultureInfo.InvariantCulture);

    /// <summary>"public key handle: 27    private key handle: 28".</summary>
    public static (ulong Public, ulong Private) Pair(string output)
    {
        var m = PairHandles().Match(output);
        Assert.True(m.Success, output);
        return (ulong.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), ulong.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>The handles findKey lists (none when "Total number of keys present 0").</summary>
    public static IReadOnlyList<ulong> Found(string output)
    {
        var total = int.Parse(Total().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        if (total == 0) return [];
        var list = Listed().Match(output);
        Assert.True(list.Success, output);
        var handles = list.Groups[1].Value.Split(", ").Select(h => ulong.Parse(h, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(total, handles.Count);
        return handles;
    }

    /// <summary>The key check value getKeyInfo shows ("KCV 0x1a4b31").</summary>
    public static string Kcv(string getKeyInfoOutput) => KcvPattern().Match(getKeyInfoOutput) is { Success: true } m ? m.Groups[1].Value
        : throw new InvalidOperationException("no KCV in:\n" + getKeyInfoOutput);

    /// <summary>The error name of a failed status line ("returned: 0x2b : HSM Error: RET_KEY_NOT_FOUND").</summary>
    public static string? ErrorName(string output) => Error().Match(output) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex(@"Key Handle: (\d+)")]
    private static partial Regex KeyHandle();

    [GeneratedRegex(@"public key handle: (\d+)\s+private key handle: (\d+)")]
    private static partial Regex PairHandles();

    [GeneratedRegex(@"Total number of keys present (\d+)")]
    private static partial Regex Total();

    [GeneratedRegex(@"number of keys matched from start index 0::\d+\r?\n([0-9, ]+)")]
    private static partial Regex Listed();

    [GeneratedRegex(@"KCV (0x[0-9a-f]+)")]
    private static partial Regex KcvPattern();

    [GeneratedRegex(@"returned: 0x[0-9a-f]{2} : HSM Error: (RET_[A-Z_]+)")]
    private static partial Regex Error();
}
