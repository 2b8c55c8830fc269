using System.CommandLine;
using CloudHsm.Cli.Support;
using CloudHsm.Client;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm demo`: a short tour on a throwaway node; prints each step, exits 0 when all went as shown.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "A short end-to-end tour on a throwaway node: activation, users, roles, refusals.");
        command.SetAction(async (parse, ct) =>
        {
            var dir = Directory.CreateTempSubdirectory("cloudhsm-demo-").FullName;
            try
            {
                await RunAsync(dir, Console.Out, ct);
                Console.Out.WriteLine("Demo finished: every step behaved as shown.");
                return ExitCodes.Ok;
            }
            catch (Exception e) when (CommonOptions.Refusal(e) is { } r)
            {
                Console.Error.WriteLine($"Demo failed: {r.Name}: {r.Message}");
                return ExitCodes.Refused;
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        });
        return command;
    }

    private static async Task RunAsync(string dir, TextWriter o, CancellationToken ct)
    {
        o.WriteLine("1. Start a node and activate it the way Azure Cloud HSM is activated:");
        o.WriteLine("   getCertReq -> PO signs POAC -> storeCert PO.crt 4 -> storeCert POAC.crt 8 -> changePswd PRECO admin");
        await using var env = await DevEnvironment.StartAsync(dir, DevEnvironment.FreePort(), o, ct);
        var config = ClientConfig.Load(env.ClientConfigPath);
        var credentials = env.Credentials.Users;
        var co = credentials.First(u => u.Type == "CO");
        var cu = credentials.First(u => u.Type == "CU");

        using var officer = new HsmClient(config);
        var info = await officer.GetPartitionInfoAsync(ct);
        o.WriteLine($"2. The node's TLS chain ends at PO.crt: partition {info.SerialNumber} is {info.Status}, PO sha256:{info.OwnerFingerprintSha256[..16]}...");

        await officer.LoginAsync(UserType.Co, co.Name, co.Password, ct);
        o.WriteLine($"3. CO {co.Name} logged in; creates CU demo_user.");
        var demoPassword = StrongPassword.Generate();
        await officer.CreateUserAsync(UserType.Cu, "demo_user", demoPassword, ct);
        await ExpectRefusalAsync(o, "   a weak password is refused", "RET_INVALID_PASSWORD_POLICY",
            () => officer.CreateUserAsync(UserType.Cu, "weak_user", "password", ct));

        using var user = new HsmClient(config);
        await user.LoginAsync(UserType.Cu, cu.Name, cu.Password, ct);
        o.WriteLine($"4. CU {cu.Name} logged in with its own login (no host-wide shared state).");
        await ExpectRefusalAsync(o, "   a CU cannot manage users", "RET_OPERATION_NOT_PERMITTED",
            () => user.CreateUserAsync(UserType.Cu, "sneaky", StrongPassword.Generate(), ct));

        o.WriteLine("5. listUsers, as the CO sees it:");
        foreach (var u in await officer.ListUsersAsync(ct))
        {
            o.WriteLine($"   {u.Id,-3} {Mgmt.MgmtCommands.TypeName(u.Type),-3} {u.Name,-12} failures {u.FailedLogins} locked {(u.Locked ? "yes" : "no")}");
        }
        using var stranger = new HsmClient(config);
        await ExpectRefusalAsync(o, "6. a wrong password is refused and counted", "RET_USER_LOGIN_FAILURE",
            () => stranger.LoginAsync(UserType.Cu, "demo_user", "Wrong-password-42", ct));
        await officer.DeleteUserAsync(UserType.Cu, "demo_user", ct);
        o.WriteLine("7. CO deletes demo_user; both log out.");
        await user.LogoutAsync(ct);
        await officer.LogoutAsync(ct);
    }

    private static async Task ExpectRefusalAsync(TextWriter o, string what, string expected, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (HsmClientException e) when (e.ErrorName == expected)
        {
            o.WriteLine($"{what}: {e.ErrorName}: {e.Message}");
            return;
        }
        throw new CliException("RET_INTERNAL_ERROR", $"{what}: expected {expected}, but the node did not refuse.");
    }
}
