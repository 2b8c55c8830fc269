using CloudHsm.Cli.Mgmt;
using CloudHsm.Cli.Support;
using static CloudHsm.Cli.Util.UtilOption;

namespace CloudHsm.Cli.Util;

/// <summary>Login, logout, users, and the reference commands that need no HSM (help, lists, Error2String).</summary>
internal static partial class UtilCommands
{
    private static IEnumerable<UtilVerb> SessionVerbs() =>
    [
        new("loginHSM", "Cfm3LoginHSM", "Log in (as a CU to manage keys).",
            [Req("-u", "user type", "CU (or CO, AU)"), Req("-s", "user name", "the user's name"),
             Opt("-p", "password", "the password (it shows in the shell's history: prefer -hpswd)"),
             Flag("-hpswd", "ask for the password without echo (read from standard input when it is not a terminal)")],
            LoginAsync, NeedsLogin: false),
        new("logoutHSM", "Cfm3LogoutHSM", "Log out; session keys of this login end.", [], async (s, _) =>
        {
            await s.Client.LogoutAsync();
            s.Success();
        }),
        new("listUsers", "Cfm3ListUsers", "List the users of the partition (their ids are what -u takes).", [], ListUsersAsync),
        new("listAttributes", "", "List the attribute numbers that getAttribute and setAttribute take.", [], (s, _) =>
        {
            s.Output.WriteLine("Description");
            s.Output.WriteLine("===========");
            s.Output.WriteLine("The following are all of the possible attribute values for getAttributes.");
            s.Output.WriteLine();
            foreach (var (name, id) in UtilAttributes.Listed) s.Output.WriteLine($"      {name,-32}= {id}");
            s.Output.WriteLine($"      {"(all attributes)",-32}= {UtilAttributes.All}");
            return Task.CompletedTask;
        }, NeedsLogin: false),
        new("listECCCurveIds", "", "List the curve ids that genECCKeyPair -i takes.", [], (s, _) =>
        {
            s.Output.WriteLine("Description");
            s.Output.WriteLine("===========");
            s.Output.WriteLine("The following are the ECC curve ids this HSM supports:");
            foreach (var c in UtilMechanisms.Curves) s.Output.WriteLine($"      {c.Name,-32}= {c.Number}{(c.Note is null ? "" : "   (" + c.Note + ")")}");
            return Task.CompletedTask;
        }, NeedsLogin: false),
        new("Error2String", "", "Explain an error code of a status line (or give the code of an error name).",
            [Req("-r", "response code", "the code, e.g. 0x2b, or an error name such as RET_KEY_NOT_FOUND")], ErrorToStringAsync, NeedsLogin: false),
        new("help", "", "List the commands, or explain one (help <command>, or <command> -h).", [], (s, a) =>
        {
            if (a.Positional.Count == 1)
            {
                if (!All.TryGetValue(a.Positional[0], out var verb)) throw new UtilUsageException($"There is no command {a.Positional[0]}.");
                UtilHelp.Command(s, verb);
            }
            else
            {
                UtilHelp.List(s);
            }
            return Task.CompletedTask;
        }, NeedsLogin: false, MaxPositional: 1),
        new("exit", "", "Leave the shell (logs out).", [], (s, _) => { s.Quit = true; return Task.CompletedTask; }, NeedsLogin: false),
        new("quit", "", "Leave the shell (logs out).", [], (s, _) => { s.Quit = true; return Task.CompletedTask; }, NeedsLogin: false),
    ];

    private static async Task LoginAsync(UtilShell s, UtilArgs a)
    {
        if (a.Has("-p") == a.Has("-hpswd")) throw new UtilUsageException("Give the password with -p <password>, or -hpswd to be asked for it.");
        var type = MgmtCommands.Type(a.RequiredText("-u"));
        var password = a.Text("-p") ?? SecretInput.Prompt("Enter password: ", s.Input, s.Output);
        if (s.LoggedIn) await s.Client.LogoutAsync();
        await s.Client.LoginAsync(type, a.RequiredText("-s"), password);
        s.Success();
    }

    private static async Task ListUsersAsync(UtilShell s, UtilArgs a)
    {
        var users = await s.Client.ListUsersAsync();
        s.Say($"Number Of Users found {users.Count}");
        s.Say();
        s.Say($"{"Index",-8}{"User ID",-10}{"User Type",-12}{"User Name",-34}{"Locked",-8}");
        var index = 1;
        foreach (var u in users)
        {
            s.Say($"{index++,-8}{u.Id,-10}{MgmtCommands.TypeName(u.Type),-12}{u.Name,-34}{(u.Locked ? "YES" : "NO"),-8}");
        }
        s.Success();
    }

    private static Task ErrorToStringAsync(UtilShell s, UtilArgs a)
    {
        var text = a.RequiredText("-r");
        if (text.StartsWith("RET_", StringComparison.Ordinal))
        {
            var code = UtilErrors.CodeOf(text);
            if (code == UtilErrors.Unknown) throw new CliException("RET_INVALID_INPUT", $"{text} is not an error name of this HSM.");
            s.Say($"{text} is Error Code {UtilErrors.Hex(code)}: {UtilErrors.Describe(text)}");
            return Task.CompletedTask;
        }
        if (!UtilErrors.TryParseCode(text, out var number)) throw new UtilUsageException($"-r takes a hexadecimal code such as 0x2b, not '{text}'.");
        var name = UtilErrors.NameOf(number) ?? throw new CliException("RET_INVALID_INPUT", $"Error code {UtilErrors.Hex(number)} is not defined.");
        s.Say($"Error Code {number:x2} maps to HSM Error: {name}: {UtilErrors.Describe(name)}");
        return Task.CompletedTask;
    }
}
