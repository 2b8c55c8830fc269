using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.DataDirectory;

/// <summary>
/// What a node keeps on disk: nothing that is a password or a private key in clear, whether the node
/// is running, crashed or stopped cleanly; and nothing that other users may read.
/// </summary>
public sealed class DataDirectoryTests
{
    private const string CuPassword = "Crypto-User-Pass-2024!";
    private const string CuNewPassword = "Renewed-Secret-2025!";
    private const string WrongPassword = "Wrong-Guess-Pass-9999!";

    [Fact]
    public async Task NoPasswordOrPrivateKeyIsEverInTheDataDirectory()
    {
        await using var p = await DataDirectoryPartition.StartActivatedAsync();
        (await p.AsCoAsync("createUser", "CU", "alice", CuPassword)).ShouldSucceed();
        (await p.AsUserAsync("CU", "alice", CuPassword, "listUsers")).ShouldSucceed();
        (await p.AsUserAsync("CU", "alice", WrongPassword, "listUsers")).ShouldFailWith("RET_USER_LOGIN_FAILURE");
        (await p.AsCoAsync("changePswd", "CU", "alice", CuNewPassword)).ShouldSucceed();
        (await p.AsUserAsync("CU", "alice", CuNewPassword, "listUsers")).ShouldSucceed();
        (await p.AsCoAsync("listUsers")).ShouldSucceed();

        List<(string What, byte[] Pattern)> secrets =
        [
            .. SecretScanner.Text("CO password", DataDirectoryPartition.CoPassword),
            .. SecretScanner.Text("factory PRECO password", DataDirectoryPartition.PrecoPassword),
            .. SecretScanner.Text("CU password", CuPassword),
            .. SecretScanner.Text("CU new password", CuNewPassword),
            .. SecretScanner.Text("wrong password tried", WrongPassword),
            .. SecretScanner.PrivateKey("PO private key", p.PoKey),
            .. SecretScanner.Text("\"PRIVATE KEY\"", "PRIVATE KEY"),
            ("RSA PKCS#8 PrivateKeyInfo", SecretScanner.RsaPkcs8Prefix),
            ("RSA-2048 PKCS#1 RSAPrivateKey", SecretScanner.RsaPkcs1Prefix2048),
        ];

        AssertClean(p.DataDirectory, secrets, "while the node runs");
        await p.CrashNodeAsync();
        AssertClean(p.DataDirectory, secrets, "after a crash (WAL not checkpointed)");
        await p.StartNodeAsync();
        (await p.AsUserAsync("CU", "alice", CuNewPassword, "listUsers")).ShouldSucceed();
        await p.StopNodeAsync();
        AssertClean(p.DataDirectory, secrets, "after a clean stop");
    }

    [Fact]
    public async Task FilesOfTheDataDirectoryAreForTheNodeUserOnly()
    {
        if (OperatingSystem.IsWindows()) return;
        await using var p = await DataDirectoryPartition.StartAsync();
        AssertOwnerOnly(p.DataDirectory, "while the node runs (not activated)");
        await p.ActivateAsync();
        AssertOwnerOnly(p.DataDirectory, "after activation");
        await p.StopNodeAsync();
        AssertOwnerOnly(p.DataDirectory, "after a clean stop");
    }

    private static void AssertClean(string dataDirectory, IReadOnlyList<(string What, byte[] Pattern)> secrets, string when)
    {
        var found = SecretScanner.Find(dataDirectory, secrets);
        Assert.True(found.Count == 0, $"{when}: secrets found in the data directory:\n  {string.Join("\n  ", found)}\n"
            + $"files: {SecretScanner.Listing(dataDirectory)}");
    }

    /// <summary>The folder is 0700 and every file in it 0600, but bootstrap.crt, which clients are meant to copy.</summary>
    private static void AssertOwnerOnly(string dataDirectory, string when)
    {
        const UnixFileMode othersOrGroup = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        var problems = new List<string>();
        var folderMode = File.GetUnixFileMode(dataDirectory);
        if ((folderMode & othersOrGroup) != 0) problems.Add($"the folder is {Convert.ToString((int)folderMode, 8)}");
        foreach (var file in Directory.EnumerateFiles(dataDirectory, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file) == "bootstrap.crt") continue;
            var mode = File.GetUnixFileMode(file);
            if ((mode & othersOrGroup) != 0) problems.Add($"{Path.GetRelativePath(dataDirectory, file)} is {Convert.ToString((int)mode, 8)}");
        }
        Assert.True(problems.Count == 0, $"{when}: {string.Join("; ", problems)}");
    }
}
