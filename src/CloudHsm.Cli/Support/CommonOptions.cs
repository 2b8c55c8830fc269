using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudHsm.Client;

namespace CloudHsm.Cli.Support;

/// <summary>Options shared by the modern subcommands, and how they report results and refusals.</summary>
internal static class CommonOptions
{
    public static readonly Option<string?> Config = new("--config")
    {
        Description = "Client configuration file (default: $CLOUDHSM_CONFIG, then /etc/cloudhsm/client.json).",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print results as JSON for scripts.",
        Recursive = true,
    };

    public static readonly Option<string?> As = new("--as")
    {
        Description = "User type to log in as (CO, CU, AU); the user and password come from CLOUDHSM_USER/CLOUDHSM_PASSWORD or CLOUDHSM_CREDENTIALS.",
        Recursive = true,
    };

    /// <summary>Runs a modern subcommand: prints its result, or the refusal with its error name, and sets the exit code.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<Task<JsonObject>> action, Func<JsonObject, string> human)
    {
        var json = parse.GetValue(Json);
        try
        {
            var result = await action();
            Console.Out.WriteLine(json ? result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) : human(result));
            return ExitCodes.Ok;
        }
        catch (Exception e) when (Refusal(e) is { } r)
        {
            if (json) Console.Out.WriteLine(new JsonObject { ["error"] = r.Name, ["message"] = r.Message }.ToJsonString());
            Console.Error.WriteLine($"{r.Name}: {r.Message}");
            return ExitCodes.Refused;
        }
    }

    public static (string Name, string Message)? Refusal(Exception e) => e switch
    {
        HsmClientException h => (h.ErrorName, h.Message),
        CliException c => (c.ErrorName, c.Message),
        Core.Errors.HsmException x => (x.Error.ToString(), x.Message),
        Storage.DataDirectoryException d => (d.ErrorName, d.Message),
        System.Net.Sockets.SocketException so => ("RET_BIND_FAILED", so.Message),
        IOException io => ("RET_INVALID_INPUT", io.Message),
        UnauthorizedAccessException ua => ("RET_INVALID_INPUT", ua.Message),
        System.Security.Cryptography.CryptographicException => ("RET_INVALID_INPUT", "A key or certificate file is unreadable or does not match."),
        UriFormatException => ("RET_CONFIG_INVALID", "A node endpoint in the client configuration is not of the form HOST:PORT."),
        ArgumentException or FormatException => ("RET_INVALID_INPUT", "An argument or file is malformed."),
        _ => null,
    };

    /// <summary>Connects and logs in implicitly as the configured user of the given type.</summary>
    public static async Task<HsmClient> LoggedInClientAsync(ParseResult parse, Core.Users.UserType defaultType)
    {
        var client = HsmClient.FromConfigFile(parse.GetValue(Config));
        try
        {
            var (type, name, password) = ImplicitLogin.Resolve(defaultType, parse.GetValue(As));
            await client.LoginAsync(Mgmt.MgmtCommands.Type(type.ToString()), name, password);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
