using System.CommandLine;
using System.Text.Json.Nodes;
using CloudHsm.Cli.Mgmt;
using CloudHsm.Cli.Support;
using CloudHsm.Client;
using CoreUserType = CloudHsm.Core.Users.UserType;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm user ...`: user management with implicit login (CLOUDHSM_USER / CLOUDHSM_PASSWORD).</summary>
internal static class UserCommands
{
    private static readonly Option<string> Name = new("--name") { Description = "User name.", Required = true };
    private static readonly Option<string> Type = new("--type") { Description = "User type: CO, CU or AU.", Required = true };
    private static readonly Option<bool> PasswordStdin = new("--password-stdin")
    {
        Description = "Read the new password from standard input (otherwise $CLOUDHSM_NEW_PASSWORD, else a prompt without echo).",
    };

    public static Command Create()
    {
        var user = new Command("user", "Manage users (log in as a CO through CLOUDHSM_USER/CLOUDHSM_PASSWORD or CLOUDHSM_CREDENTIALS).");
        user.Subcommands.Add(Make("create", "Create a user.", [Type, Name, PasswordStdin], CoreUserType.CO, async (c, p) =>
        {
            await c.CreateUserAsync(MgmtCommands.Type(p.GetValue(Type)!), p.GetValue(Name)!, NewPassword(p));
            return Done("created", p);
        }));
        user.Subcommands.Add(Make("delete", "Delete a user.", [Type, Name], CoreUserType.CO, async (c, p) =>
        {
            await c.DeleteUserAsync(MgmtCommands.Type(p.GetValue(Type)!), p.GetValue(Name)!);
            return Done("deleted", p);
        }));
        user.Subcommands.Add(Make("passwd", "Change a password: your own, or (CO) any user's.", [Type, Name, PasswordStdin], CoreUserType.CO, async (c, p) =>
        {
            await c.ChangePasswordAsync(MgmtCommands.Type(p.GetValue(Type)!), p.GetValue(Name)!, NewPassword(p));
            return Done("password changed", p);
        }));
        user.Subcommands.Add(Make("unlock", "Unlock a locked CU or AU.", [Type, Name], CoreUserType.CO, async (c, p) =>
        {
            await c.UnlockUserAsync(MgmtCommands.Type(p.GetValue(Type)!), p.GetValue(Name)!);
            return Done("unlocked", p);
        }));
        var forbid = new Option<string[]>("--forbid") { Description = "What the CU may not do: export, unwrap, modify, derive (none given lifts all)." };
        user.Subcommands.Add(Make("set-attributes", "Restrict what a CU may do.", [Name, forbid], CoreUserType.CO, async (c, p) =>
        {
            await c.SetUserAttributesAsync(p.GetValue(Name)!, p.GetValue(forbid) ?? []);
            return Done("attributes set", p);
        }));
        user.Subcommands.Add(Make("disable-officer-access", "As a CU: stop COs from changing your password, deleting or unlocking you.", [], CoreUserType.CU, async (c, _) =>
        {
            await c.DisableUserAccessAsync();
            return new JsonObject { ["result"] = "officer access disabled" };
        }));
        user.Subcommands.Add(Make("list", "List users.", [], CoreUserType.CO, async (c, _) =>
        {
            var users = new JsonArray();
            foreach (var u in await c.ListUsersAsync())
            {
                users.Add(new JsonObject
                {
                    ["id"] = u.Id, ["type"] = MgmtCommands.TypeName(u.Type), ["name"] = u.Name, ["loginFailures"] = u.FailedLogins,
                    ["locked"] = u.Locked, ["twoFactor"] = u.TwoFactor, ["restrictions"] = new JsonArray(u.Restrictions.Select(r => (JsonNode)r!).ToArray()),
                    ["officerAccessDisabled"] = u.OfficerAccessDisabled,
                });
            }
            return new JsonObject { ["users"] = users };
        }, r => string.Join(Environment.NewLine, r["users"]!.AsArray().Select(u =>
            $"{u!["id"],-5} {u["type"],-6} {u["name"],-32} failures {u["loginFailures"],-3} {((bool)u["locked"]! ? "LOCKED" : "")}"))));
        return user;
    }

    internal static Command Make(string name, string description, Option[] options, CoreUserType loginAs,
        Func<HsmClient, ParseResult, Task<JsonObject>> action, Func<JsonObject, string>? human = null)
    {
        var command = new Command(name, description);
        foreach (var option in options) command.Options.Add(option);
        command.SetAction((parse, _) => CommonOptions.RunAsync(parse, async () =>
        {
            using var client = await CommonOptions.LoggedInClientAsync(parse, loginAs);
            try
            {
                return await action(client, parse);
            }
            finally
            {
                await LogoutQuietlyAsync(client);
            }
        }, human ?? (r => r["result"]?.ToString() ?? "ok")));
        return command;
    }

    /// <summary>Ends the login; a login already gone (zeroize, password reset) is not an error.</summary>
    internal static async Task LogoutQuietlyAsync(HsmClient client)
    {
        try
        {
            await client.LogoutAsync();
        }
        catch (HsmClientException)
        {
            // the node ends idle logins by itself
        }
    }

    private static string NewPassword(ParseResult parse) =>
        SecretInput.NewPassword(parse.GetValue(PasswordStdin), "CLOUDHSM_NEW_PASSWORD", Console.In, Console.Error);

    private static JsonObject Done(string what, ParseResult parse) =>
        new() { ["result"] = $"{parse.GetValue(Name)}: {what}", ["name"] = parse.GetValue(Name) };
}
