using CloudHsm.Cli.Support;
using CloudHsm.Client;
using CloudHsm.Core.Users;
using CloudHsm.Protocol.V1;
using UserType = CloudHsm.Protocol.V1.UserType;

namespace CloudHsm.Cli.Mgmt;

/// <summary>The command table of the `cloudhsm mgmt` shell.</summary>
internal static class MgmtCommands
{
    public static IReadOnlyDictionary<string, ShellCommand> All { get; } = Build();

    private static Dictionary<string, ShellCommand> Build()
    {
        ShellCommand[] commands =
        [
            new("loginHSM", "loginHSM <user-type> <user-name> <password | -hpswd>", "Log in as PRECO, CO, CU or AU.", 3, 3, LoginAsync),
            new("logoutHSM", "logoutHSM", "Log out.", 0, 0, async (s, _) =>
            {
                s.Login = null;
                await s.Client.LogoutAsync();
                s.Output.WriteLine("logoutHSM success");
            }),
            new("createUser", "createUser <user-type> <user-name> <password | -hpswd>", "Create a CO, CU or AU (CO only).", 3, 3, CreateUserAsync),
            new("deleteUser", "deleteUser <user-type> <user-name>", "Delete a user (CO only).", 2, 2, async (s, a) =>
            {
                await s.Client.DeleteUserAsync(Type(a[0]), a[1]);
                s.Output.WriteLine($"deleteUser success");
            }),
            new("changePswd", "changePswd <user-type> <user-name> <new-password | -hpswd>", "Change your own password, or (CO) any user's.", 3, 3, ChangePasswordAsync),
            new("listUsers", $"listUsers [{AllNodes}]", $"List the users of the partition; {AllNodes}: as each node holds them, logged in to each.", 0, 1, ListUsersAsync),
            new("unlockUser", "unlockUser <user-type> <user-name>", "Unlock a locked CU or AU (CO only).", 2, 2, async (s, a) =>
            {
                await s.Client.UnlockUserAsync(Type(a[0]), a[1]);
                s.Output.WriteLine("unlockUser success");
            }),
            new("setUserAttributes", "setUserAttributes <user-name> <export|unwrap|modify|derive ... | none>",
                "Forbid a CU to export/wrap, unwrap, modify attributes or derive (CO only); none lifts all.", 2, 5, SetUserAttributesAsync),
            new("disableUserAccess", "disableUserAccess", "As a CU: stop COs from changing your password, deleting or unlocking you.", 0, 0, async (s, _) =>
            {
                await s.Client.DisableUserAccessAsync();
                s.Output.WriteLine("disableUserAccess success");
            }),
            new("getCertReq", "getCertReq <file>", "Write the partition's CSR (PEM) to a file.", 1, 1, async (s, a) =>
            {
                var pem = await s.Client.GetCertReqAsync();
                await File.WriteAllTextAsync(a[0], pem);
                s.Output.WriteLine($"getCertReq success: wrote {a[0]}");
            }),
            new("storeCert", "storeCert <file> <slot: 4 = PO.crt, 8 = POAC.crt>", "Store the owner's certificate or the partition certificate.", 2, 2, StoreCertAsync),
            new("getCert", "getCert <file> <slot: 4 | 8>", "Write a stored certificate (PEM) to a file.", 2, 2, async (s, a) =>
            {
                var pem = await s.Client.GetCertAsync(Slot(a[1]));
                await File.WriteAllTextAsync(a[0], pem);
                s.Output.WriteLine($"getCert success: wrote {a[0]}");
            }),
            new("getChallenge", "getChallenge <co-name> <file>", "Write a one-time challenge for CO recovery; the owner signs it with PO.key.", 2, 2, async (s, a) =>
            {
                var reply = await s.Client.GetChallengeAsync(a[0]);
                await File.WriteAllBytesAsync(a[1], reply.Nonce.ToByteArray());
                s.Output.WriteLine($"getChallenge success: wrote {a[1]}, valid until {reply.ExpiresAt.ToDateTimeOffset():u}");
                s.Output.WriteLine($"  sign it offline: openssl dgst -sha256 -sign PO.key -out {a[1]}.sig {a[1]}");
            }),
            new("unlockCO", "unlockCO <co-name> <signature-file> <new-password | -hpswd>", "Recover a locked CO with the owner's signed challenge.", 2, 3, UnlockCoAsync),
            new("findAllKeys", $"findAllKeys <user-id> <0 = owned | 1 = shared> [{AllNodes}]",
                $"List the handles of the keys a user owns or was shared (CO, or the CU itself); {AllNodes}: on each node.", 2, 3, FindAllKeysAsync),
            new("shareKey", "shareKey <key-handle> <user-id> <1 = share | 0 = unshare>", "Share a key you own with another CU, or take the share back.", 3, 3, ShareKeyAsync),
            new("setAttribute", "setAttribute <key-handle> <attribute-id> [<value>]", "Set a key attribute (default value 1); a CO sets 134 (TRUSTED).", 2, 3, SetAttributeAsync),
            new("zeroize", "zeroize <partition-serial-number>", "Wipe every user and key of the partition (CO only). Irreversible.", 0, 1, ZeroizeAsync),
            new("getPartitionInfo", "getPartitionInfo", "Show the partition's state.", 0, 0, PartitionInfoAsync),
            new("getClusterInfo", "getClusterInfo", "Show each node's role, term, commit and applied index, and lag.", 0, 0, ClusterInfoAsync),
            .. MgmtClusterCommands.All,
            new("info", "info", "Show the connection and login of this shell.", 0, 0, (s, _) =>
            {
                s.Output.WriteLine($"configuration nodes: {string.Join(", ", s.Config.Nodes)}");
                s.Output.WriteLine($"PO.crt: {s.Config.Resolve(s.Config.PoCertificate) ?? "(not set)"}");
                s.Output.WriteLine($"logged in as: {s.Client.LoggedInAs ?? "(nobody)"}");
                return Task.CompletedTask;
            }),
            new("help", "help", "List the commands.", 0, 1, (s, _) =>
            {
                foreach (var c in All.Values) s.Output.WriteLine($"  {c.Syntax,-75} {c.Description}");
                return Task.CompletedTask;
            }),
            new("quit", "quit", "Leave the shell.", 0, 0, (s, _) => { s.Quit = true; return Task.CompletedTask; }),
            new("exit", "exit", "Leave the shell.", 0, 0, (s, _) => { s.Quit = true; return Task.CompletedTask; }),
        ];
        return commands.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    /// <summary>The option that runs listUsers or findAllKeys on every node of the configuration, each separately.</summary>
    public const string AllNodes = "-all-nodes";

    public static UserType Type(string text) => (UserTypes.Parse(text) ?? throw new CliException("RET_INVALID_USER_TYPE",
        $"Unknown user type '{text}': use CO, CU, AU or PRECO.")) switch
    {
        Core.Users.UserType.PRECO => UserType.Preco,
        Core.Users.UserType.CO => UserType.Co,
        Core.Users.UserType.CU => UserType.Cu,
        _ => UserType.Au,
    };

    public static string TypeName(UserType type) => type switch
    {
        UserType.Preco => "PRECO",
        UserType.Co => "CO",
        UserType.Cu => "CU",
        UserType.Au => "AU",
        _ => "?",
    };

    private static int Slot(string text) => int.TryParse(text, out var slot) && slot is 4 or 8
        ? slot
        : throw new CliException("RET_INVALID_INPUT", "The certificate slot must be 4 (PO.crt) or 8 (POAC.crt).");

    private static async Task LoginAsync(MgmtShell s, string[] a)
    {
        var password = s.PasswordArgument(a[2], "Enter password: ");
        var type = Type(a[0]);
        var reply = await s.Client.LoginAsync(type, a[1], password);
        s.Login = new ShellLogin(type, a[1], password);
        s.Output.WriteLine($"loginHSM success: {TypeName(reply.Type)} {reply.Name} on {s.Client.CurrentNode}");
    }

    private static async Task CreateUserAsync(MgmtShell s, string[] a)
    {
        var password = s.PasswordArgument(a[2], "Enter password for the new user: ");
        await s.Client.CreateUserAsync(Type(a[0]), a[1], password);
        s.Output.WriteLine("createUser success");
    }

    private static async Task ChangePasswordAsync(MgmtShell s, string[] a)
    {
        var password = s.PasswordArgument(a[2], "Enter new password: ");
        await s.Client.ChangePasswordAsync(Type(a[0]), a[1], password);
        s.Output.WriteLine("changePswd success");
    }

    private static async Task ListUsersAsync(MgmtShell s, string[] a)
    {
        if (AllNodesFlag(a, 0)) await s.ForEachNodeAsync("Users", async c => PrintUsers(s, await c.ListUsersAsync(), perNode: true));
        else PrintUsers(s, await s.Client.ListUsersAsync(), perNode: false);
    }

    /// <summary>True when the optional argument at <paramref name="index"/> is -all-nodes; anything else there is refused.</summary>
    private static bool AllNodesFlag(string[] a, int index) =>
        a.Length <= index ? false
        : a[index] == AllNodes ? true
        : throw new CliException("RET_INVALID_INPUT", $"Unknown option '{a[index]}': the only one is {AllNodes}.");

    private static void PrintUsers(MgmtShell s, IReadOnlyList<User> users, bool perNode)
    {
        if (perNode) s.Output.WriteLine($"Number of users found:{users.Count}");
        s.Output.WriteLine($"{"User Id",-8} {"User Type",-10} {"User Name",-32} {"LoginFailureCnt",-16} {"Locked",-7} {"2FA",-4} Restrictions");
        foreach (var u in users)
        {
            var restrictions = u.Restrictions.Count == 0 ? "-" : string.Join(',', u.Restrictions.Select(r => "no-" + r));
            if (u.OfficerAccessDisabled) restrictions += " (officer access disabled)";
            s.Output.WriteLine($"{u.Id,-8} {TypeName(u.Type),-10} {u.Name,-32} {u.FailedLogins,-16} {(u.Locked ? "YES" : "NO"),-7} {"NO",-4} {restrictions}");
        }
    }

    private static async Task SetUserAttributesAsync(MgmtShell s, string[] a)
    {
        var names = a[1..].Where(x => !string.Equals(x, "none", StringComparison.OrdinalIgnoreCase)).ToList();
        if (names.Count > 0 && names.Count != a.Length - 1)
        {
            throw new CliException("RET_INVALID_INPUT", "'none' stands alone: it lifts every restriction.");
        }
        await s.Client.SetUserAttributesAsync(a[0], names);
        s.Output.WriteLine("setUserAttributes success");
    }

    private static async Task StoreCertAsync(MgmtShell s, string[] a)
    {
        var slot = Slot(a[1]);
        var bytes = await File.ReadAllBytesAsync(a[0]);
        await s.Client.StoreCertAsync(slot, bytes);
        s.Output.WriteLine($"storeCert success: slot {slot}");
    }

    private static async Task UnlockCoAsync(MgmtShell s, string[] a)
    {
        var signature = await File.ReadAllBytesAsync(a[1]);
        var password = a.Length > 2 ? s.PasswordArgument(a[2], "Enter new password: ") : SecretInput.Prompt("Enter new password: ", s.Input, s.Output);
        await s.Client.UnlockCoAsync(a[0], [], signature, password);
        s.Output.WriteLine("unlockCO success: the CO is unlocked with its new password");
    }

    private static Task<string> UserNameOfAsync(MgmtShell s, string userId) => UserNameOfAsync(s.Client, userId);

    private static async Task<string> UserNameOfAsync(HsmClient client, string userId)
    {
        if (!int.TryParse(userId, out var id)) throw new CliException("RET_INVALID_INPUT", "A user id is a number (see listUsers).");
        var user = (await client.ListUsersAsync()).FirstOrDefault(u => u.Id == id);
        return user?.Name ?? throw new CliException("RET_USER_NOT_FOUND", $"There is no user with id {id}.");
    }

    private static ulong Handle(string text) => ulong.TryParse(text, out var handle) && handle > 0
        ? handle
        : throw new CliException("RET_INVALID_INPUT", "A key handle is a positive number.");

    private static async Task FindAllKeysAsync(MgmtShell s, string[] a)
    {
        var shared = a[1] switch
        {
            "0" => false,
            "1" => true,
            _ => throw new CliException("RET_INVALID_INPUT", "The second argument is 0 (owned keys) or 1 (shared keys)."),
        };
        if (AllNodesFlag(a, 2))
        {
            await s.ForEachNodeAsync("Keys", async c => PrintHandles(s, await FindAllKeysAsync(c, await UserNameOfAsync(c, a[0]), shared)));
        }
        else
        {
            PrintHandles(s, await FindAllKeysAsync(s.Client, await UserNameOfAsync(s.Client, a[0]), shared));
        }
    }

    private static async Task<List<ulong>> FindAllKeysAsync(HsmClient client, string user, bool shared)
    {
        var handles = new List<ulong>();
        for (ulong after = 0; ;)
        {
            var page = await client.FindKeysAsync(new FindKeysRequest { AfterHandle = after, Limit = 1000 });
            handles.AddRange(page.Where(k => shared ? k.Shares.Contains(user) : k.Owner == user).Select(k => k.Handle));
            if (page.Count < 1000) break;
            after = page[^1].Handle;
        }
        return handles;
    }

    private static void PrintHandles(MgmtShell s, List<ulong> handles)
    {
        s.Output.WriteLine($"Number of keys found {handles.Count}");
        s.Output.WriteLine($"number of keys matched from start index 0::{handles.Count}");
        s.Output.WriteLine(string.Join(',', handles));
        s.Output.WriteLine("findAllKeys success");
    }

    private static async Task ShareKeyAsync(MgmtShell s, string[] a)
    {
        var user = await UserNameOfAsync(s, a[1]);
        var share = a[2] switch
        {
            "1" => true,
            "0" => false,
            _ => throw new CliException("RET_INVALID_INPUT", "The third argument is 1 (share) or 0 (unshare)."),
        };
        await s.Client.ShareKeyAsync(Handle(a[0]), user, share);
        s.Output.WriteLine("shareKey success");
    }

    private static async Task SetAttributeAsync(MgmtShell s, string[] a)
    {
        if (!ulong.TryParse(a[1], out var attribute)) throw new CliException("RET_INVALID_INPUT", "The attribute id is a number (134 = TRUSTED).");
        byte[] value = a.Length < 3 || a[2] is "1" ? [1] : a[2] is "0" ? [0] : System.Text.Encoding.UTF8.GetBytes(a[2]);
        await s.Client.SetAttributeAsync(Handle(a[0]), attribute, value);
        s.Output.WriteLine("setAttribute success");
    }

    private static async Task ZeroizeAsync(MgmtShell s, string[] a)
    {
        var info = await s.Client.GetPartitionInfoAsync();
        var confirmation = a.Length > 0 ? a[0] : null;
        if (confirmation is null)
        {
            s.Output.WriteLine($"Zeroize wipes every user and key of partition {info.SerialNumber}; this cannot be undone.");
            s.Output.Write("Type the partition serial number to confirm: ");
            s.Output.Flush();
            confirmation = s.Input.ReadLine() ?? "";
        }
        await s.Client.ZeroizeAsync(confirmation);
        s.Output.WriteLine("zeroize success: the partition is wiped; restart the node to initialise it again");
    }

    private static async Task PartitionInfoAsync(MgmtShell s, string[] a)
    {
        var info = await s.Client.GetPartitionInfoAsync();
        s.Output.WriteLine($"serial number:     {info.SerialNumber}");
        s.Output.WriteLine($"status:            {info.Status}");
        s.Output.WriteLine($"users:             {info.Users} of {info.MaxUsers}");
        s.Output.WriteLine($"key handles:       {info.Keys} of {info.MaxKeys} (private {info.PrivateKeys}, public {info.PublicKeys}, secret {info.SecretKeys}; session keys on this node {info.SessionKeys})");
        s.Output.WriteLine($"stale keys:        {info.StaleKeys} not used in {info.StaleDays} days");
        s.Output.WriteLine($"PO fingerprint:    {(info.OwnerFingerprintSha256.Length == 0 ? "(none stored)" : "sha256:" + info.OwnerFingerprintSha256)}");
        if (info.OwnerNotAfter is not null) s.Output.WriteLine($"PO valid until:    {info.OwnerNotAfter.ToDateTimeOffset():u}");
        if (info.ActivatedAt is not null) s.Output.WriteLine($"activated:         {info.ActivatedAt.ToDateTimeOffset():u}");
        s.Output.WriteLine($"password policy:   {info.MinPasswordLength}..32 characters, lockout after {info.LockoutThreshold} failures");
        s.Output.WriteLine($"applied commands:  {info.AppliedCommands}");
        s.Output.WriteLine($"node version:      {info.NodeVersion}");
    }

    private static async Task ClusterInfoAsync(MgmtShell s, string[] a)
    {
        var info = await s.Client.GetClusterInfoAsync();
        foreach (var line in Cluster.ClusterTables.Info(Cluster.ClusterTables.InfoJson(info))) s.Output.WriteLine(line);
    }
}
