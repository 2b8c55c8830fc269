using System.Net.Security;
using System.Text.RegularExpressions;
using CloudHsm.Client;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Users;

/// <summary>A row of `listUsers` as the mgmt shell prints it.</summary>
public sealed record ListedUser(int Id, string Type, string Name, int LoginFailures, bool Locked, string Restrictions);

/// <summary>Helpers shared by the user, session, robustness and CLI tests.</summary>
public static class UserTestKit
{
    /// <summary>A client of the partition's configuration, not logged in.</summary>
    public static HsmClient NewClient(this TestPartition p) => new(ClientConfig.Load(p.ConfigPath));

    /// <summary>Validates a node's certificate as the SDK does (chain to PO.crt), for tests that talk to the node by hand.</summary>
    public static RemoteCertificateValidationCallback NodeTrust(this TestPartition p)
    {
        var trust = ServerTrust.FromConfig(ClientConfig.Load(p.ConfigPath));
        return (_, certificate, chain, _) => trust.Validate(certificate, chain);
    }

    /// <summary>A client logged in as the given user.</summary>
    public static async Task<HsmClient> LoginAsync(this TestPartition p, UserType type, string name, string password)
    {
        var client = p.NewClient();
        try
        {
            await client.LoginAsync(type, name, password);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Logs in and out again: the password works and the user is not locked.</summary>
    public static async Task AssertCanLogInAsync(this TestPartition p, UserType type, string name, string password)
    {
        using var client = await p.LoginAsync(type, name, password);
        await client.LogoutAsync();
    }

    public static Task<HsmClient> LoginCoAsync(this TestPartition p) => p.LoginAsync(UserType.Co, "admin", TestPartition.CoPassword);

    /// <summary>Creates users through a CO client (quicker than one CLI run per user).</summary>
    public static async Task CreateUsersAsync(this TestPartition p, params (UserType Type, string Name, string Password)[] users)
    {
        using var co = await p.LoginCoAsync();
        foreach (var (type, name, password) in users) await co.CreateUserAsync(type, name, password);
        await co.LogoutAsync();
    }

    /// <summary>`listUsers` through the CLI as the CO; the full stdout.</summary>
    public static async Task<string> ListUsersAsync(this TestPartition p)
    {
        var result = (await p.AsCoAsync("listUsers")).ShouldSucceed();
        return UserTable(result.Stdout);
    }

    /// <summary>The table part of a `listUsers` output (header and rows, without the login line).</summary>
    public static string UserTable(string stdout)
    {
        var lines = stdout.Split('\n').Select(l => l.TrimEnd('\r'));
        return string.Join('\n', lines.SkipWhile(l => !l.StartsWith("User Id", StringComparison.Ordinal)).TakeWhile(l => l.Length > 0));
    }

    /// <summary>
    /// The interactive mgmt shell with these lines on stdin, then quit: one process and one login for
    /// many commands, and unlike singlecmd it goes on after a refusal.
    /// </summary>
    public static Task<CliResult> ShellAsync(this TestPartition p, params string[] lines) =>
        CliRunner.RunAsync(["mgmt", "--config", p.ConfigPath], stdin: string.Join('\n', lines.Append("quit")) + "\n");

    /// <summary>The refusals a mgmt run printed, in order, as "command: RET_NAME".</summary>
    public static IReadOnlyList<string> Refusals(CliResult result) =>
        Regex.Matches(result.Stderr, @"^(\w+) failed: (RET_[A-Z_]+)", RegexOptions.Multiline).Select(m => $"{m.Groups[1]}: {m.Groups[2]}").ToList();

    /// <summary>Parses the rows of a `listUsers` output.</summary>
    public static IReadOnlyList<ListedUser> ParseUsers(string stdout)
    {
        var rows = new List<ListedUser>();
        foreach (Match m in Regex.Matches(stdout, @"^(\d+)\s+(PRECO|CO|CU|AU)\s+(\S+)\s+(\d+)\s+(YES|NO)\s+(?:YES|NO)\s+(.*?)\s*$", RegexOptions.Multiline))
        {
            rows.Add(new ListedUser(int.Parse(m.Groups[1].Value), m.Groups[2].Value, m.Groups[3].Value, int.Parse(m.Groups[4].Value),
                m.Groups[5].Value == "YES", m.Groups[6].Value));
        }
        return rows;
    }

    public static ListedUser Row(string stdout, string name) =>
        ParseUsers(stdout).SingleOrDefault(u => u.Name == name) ?? throw new Xunit.Sdk.XunitException($"no row for {name} in:\n{stdout}");

    /// <summary>A snapshot of every user's visible state through an already logged-in client (no extra login).</summary>
    public static async Task<string> SnapshotAsync(HsmClient loggedIn)
    {
        var users = await loggedIn.ListUsersAsync();
        return string.Join('\n', users.Select(u =>
            $"{u.Id} {u.Type} {u.Name} failures={u.FailedLogins} locked={u.Locked} restrictions={string.Join(',', u.Restrictions)} officerAccessDisabled={u.OfficerAccessDisabled}"));
    }

    /// <summary>Runs a client call that must be refused with the given stable error name.</summary>
    public static async Task<HsmClientException> RefusedAsync(string errorName, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<HsmClientException>(call);
        Assert.True(e.ErrorName == errorName, $"expected {errorName}, got {e.ErrorName}: {e.Message}");
        Assert.DoesNotContain("   at ", e.Message, StringComparison.Ordinal);
        return e;
    }

    /// <summary>
    /// Locks a user with <paramref name="threshold"/> wrong passwords (each refused as a plain login
    /// failure), then checks that the right password is now told RET_USER_LOCKED.
    /// </summary>
    public static async Task LockAsync(this TestPartition p, UserType type, string name, string rightPassword, int threshold = 5)
    {
        using var client = p.NewClient();
        for (var attempt = 1; attempt <= threshold; attempt++)
        {
            await RefusedAsync("RET_USER_LOGIN_FAILURE", () => client.LoginAsync(type, name, "Wrong-Password-99!"));
        }
        await RefusedAsync("RET_USER_LOCKED", () => client.LoginAsync(type, name, rightPassword));
    }
}
