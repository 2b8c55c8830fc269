using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.IntegrationTests.Users;

namespace CloudHsm.IntegrationTests.Cli;

/// <summary>The `cloudhsm` command as people and scripts use it: demo, modern subcommands, dev up, the mgmt shell.</summary>
public sealed class CliTests(ActivatedPartitionFixture fixture) : IClassFixture<ActivatedPartitionFixture>
{
    private TestPartition P => fixture.Partition;

    private Dictionary<string, string?> AsCo => new()
    {
        ["CLOUDHSM_CONFIG"] = P.ConfigPath,
        ["CLOUDHSM_USER"] = "admin",
        ["CLOUDHSM_PASSWORD"] = TestPartition.CoPassword,
    };

    [Fact]
    public async Task TheDemoRunsToTheEnd()
    {
        var result = await CliRunner.RunAsync(["demo"], timeoutSeconds: 180);

        result.ShouldSucceed();
        Assert.Contains("Demo finished", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("RET_INVALID_PASSWORD_POLICY", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("RET_OPERATION_NOT_PERMITTED", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserCreateAndListWorkWithImplicitLoginFromTheEnvironment()
    {
        const string password = "Wonder-Land-2024!";
        var created = await CliRunner.RunAsync(["user", "create", "--type", "CU", "--name", "alice", "--password-stdin"], env: AsCo, stdin: password + "\n");
        created.ShouldSucceed();
        Assert.DoesNotContain(password, created.Output, StringComparison.Ordinal);

        var listed = (await CliRunner.RunAsync(["user", "list", "--json"], env: AsCo)).ShouldSucceed();

        using var json = JsonDocument.Parse(listed.Stdout);
        var alice = json.RootElement.GetProperty("users").EnumerateArray().Single(u => u.GetProperty("name").GetString() == "alice");
        Assert.Equal("CU", alice.GetProperty("type").GetString());
        Assert.False(alice.GetProperty("locked").GetBoolean());
        Assert.Contains(json.RootElement.GetProperty("users").EnumerateArray(), u => u.GetProperty("name").GetString() == "admin");
        await P.AssertCanLogInAsync(CloudHsm.Protocol.V1.UserType.Cu, "alice", password);
    }

    [Fact]
    public async Task ARefusalWithJsonPrintsTheErrorNameAndChangesNothing()
    {
        (await CliRunner.RunAsync(["user", "create", "--type", "CU", "--name", "bobby", "--password-stdin"], env: AsCo, stdin: "Bobby-Tables-1!\n"))
            .ShouldFailWith("RET_INVALID_PASSWORD_POLICY"); // contains the name
        (await CliRunner.RunAsync(["user", "create", "--type", "CU", "--name", "robert", "--password-stdin"], env: AsCo, stdin: "Little-Tables-2024!\n"))
            .ShouldSucceed();
        var before = await fixture.SnapshotAsync();

        var refused = await CliRunner.RunAsync(["user", "create", "--type", "CU", "--name", "robert", "--password-stdin", "--json"],
            env: AsCo, stdin: "Other-Tables-2024!\n");

        Assert.Equal(1, refused.ExitCode);
        using var json = JsonDocument.Parse(refused.Stdout);
        Assert.Equal("RET_USER_ALREADY_EXISTS", json.RootElement.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("message").GetString()));
        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task WithoutCredentialsTheModernCommandsSayWhatIsMissing()
    {
        var result = await CliRunner.RunAsync(["user", "list", "--json"], env: new Dictionary<string, string?> { ["CLOUDHSM_CONFIG"] = P.ConfigPath });

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("RET_USER_NOT_LOGGED_IN", json.RootElement.GetProperty("error").GetString());
        Assert.Contains("CLOUDHSM_USER", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevUpWritesCredentialsAndAClientConfigThatTheCliUses()
    {
        var dir = Directory.CreateTempSubdirectory("cloudhsm-it-dev-").FullName;
        var port = NodeProcess.FreePort();
        var output = new StringBuilder();
        using var dev = Process.Start(CliRunner.StartInfo(["dev", "up", "--dir", dir, "--port", port.ToString()], workingDirectory: dir))!;
        dev.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        dev.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        dev.BeginOutputReadLine();
        dev.BeginErrorReadLine();
        try
        {
            string Output() { lock (output) return output.ToString(); }
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!Output().Contains("Press Ctrl+C", StringComparison.Ordinal))
            {
                Assert.False(dev.HasExited, $"dev up exited with {(dev.HasExited ? dev.ExitCode : 0)}:\n{Output()}");
                Assert.True(DateTime.UtcNow < deadline, $"dev up did not get ready:\n{Output()}");
                await Task.Delay(200);
            }

            var credentialsPath = Path.Combine(dir, "credentials.json");
            var configPath = Path.Combine(dir, "client.json");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentialsPath));
            using (var credentials = JsonDocument.Parse(await File.ReadAllBytesAsync(credentialsPath)))
            {
                var users = credentials.RootElement.GetProperty("users").EnumerateArray().ToList();
                Assert.Contains(users, u => u.GetProperty("type").GetString() == "CO");
                Assert.Contains(users, u => u.GetProperty("type").GetString() == "CU");
                Assert.All(users, u => Assert.False(string.IsNullOrEmpty(u.GetProperty("password").GetString())));
                foreach (var u in users) Assert.DoesNotContain(u.GetProperty("password").GetString()!, Output(), StringComparison.Ordinal);
            }
            using (var config = JsonDocument.Parse(await File.ReadAllBytesAsync(configPath)))
            {
                var nodes = config.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()).ToList();
                Assert.Contains($"127.0.0.1:{port}", nodes);
            }

            var listed = await CliRunner.RunAsync(["user", "list"], env: new Dictionary<string, string?>
            {
                ["CLOUDHSM_CONFIG"] = configPath,
                ["CLOUDHSM_CREDENTIALS"] = credentialsPath,
            });
            listed.ShouldSucceed();
            Assert.Contains("admin", listed.Stdout, StringComparison.Ordinal);
            Assert.Contains("app_user", listed.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            if (!dev.HasExited)
            {
                dev.Kill(entireProcessTree: true);
                await dev.WaitForExitAsync();
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task TheInteractiveMgmtShellReadsCommandsFromStdin()
    {
        var result = await CliRunner.RunAsync(["mgmt", "--config", P.ConfigPath],
            stdin: $"loginHSM CO admin {TestPartition.CoPassword}\nlistUsers\nquit\n");

        result.ShouldSucceed();
        Assert.Contains("cloudmgmt>", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("loginHSM success", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("CO", UserTestKit.Row(result.Stdout.Replace("cloudmgmt>", "\n", StringComparison.Ordinal), "admin").Type);
    }

    [Fact]
    public async Task TheInteractiveShellGoesOnAfterARefusalAndReportsItInTheExitCode()
    {
        var result = await CliRunner.RunAsync(["mgmt", "--config", P.ConfigPath],
            stdin: $"loginHSM CO admin {TestPartition.CoPassword}\ncreateUser CU weakling password\nlistUsers\nquit\n");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("createUser failed: RET_INVALID_PASSWORD_POLICY", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("User Name", result.Stdout, StringComparison.Ordinal); // listUsers still ran
        Assert.DoesNotContain(UserTestKit.ParseUsers(result.Stdout.Replace("cloudmgmt>", "\n", StringComparison.Ordinal)), u => u.Name == "weakling");
    }

    [Fact]
    public async Task SinglecmdRunsEveryCommandInOrder()
    {
        var result = (await P.AsCoAsync("listUsers", "getPartitionInfo")).ShouldSucceed();

        Assert.Equal("CO", UserTestKit.Row(result.Stdout, "admin").Type);
        Assert.Contains("serial number:", result.Stdout, StringComparison.Ordinal);
        Assert.True(result.Stdout.IndexOf("User Name", StringComparison.Ordinal) < result.Stdout.IndexOf("serial number:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SinglecmdStopsAtTheFirstRefusal()
    {
        var result = await P.AsCoAsync("createUser", "XX", "bob", "Some-Password-2024!", "listUsers");

        result.ShouldFailWith("RET_INVALID_USER_TYPE");
        Assert.DoesNotContain("User Name", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownMgmtCommandIsRefusedAsInvalidInput()
    {
        (await P.AsCoAsync("frobnicate")).ShouldFailWith("RET_INVALID_INPUT");
        (await P.MgmtAsync("frobnicate", "now")).ShouldFailWith("RET_INVALID_INPUT");
        (await P.AsCoAsync("listUsers", "extra-word")).ShouldFailWith("RET_INVALID_INPUT");

        var modern = await CliRunner.RunAsync("frobnicate");
        Assert.NotEqual(0, modern.ExitCode);
        Assert.Contains("RET_INVALID_INPUT", modern.Stderr, StringComparison.Ordinal);
    }
}
