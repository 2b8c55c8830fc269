using CloudHsm.Cli.Support;
using CloudHsm.Client;

namespace CloudHsm.Cli.Mgmt;

/// <summary>
/// The `cloudhsm mgmt` compatibility shell: azcloudhsm_mgmt_util's commands with their positional
/// syntax, interactive (prompt "cloudmgmt>") or as `singlecmd` for scripts.
/// </summary>
internal sealed class MgmtShell(string? configPath, TextReader input, TextWriter output, TextWriter error) : ICompatibilityShell
{
    private HsmClient? _client;
    private ClientConfig? _config;

    public TextReader Input { get; } = input;
    public TextWriter Output { get; } = output;
    public TextWriter Error { get; } = error;
    public bool Quit { get; set; }

    public ClientConfig Config => _config ??= ClientConfig.Load(configPath);

    public HsmClient Client => _client ??= new HsmClient(Config);

    /// <summary>
    /// The login of this shell, kept in memory only so that `-all-nodes` commands can log in to each
    /// node of the configuration separately; forgotten at logoutHSM.
    /// </summary>
    internal ShellLogin? Login { get; set; }

    /// <summary>Runs words as one command; returns false when it was refused (the error is printed).</summary>
    public async Task<bool> ExecuteAsync(string[] words)
    {
        if (words.Length == 0) return true;
        if (!MgmtCommands.All.TryGetValue(words[0], out var command))
        {
            Error.WriteLine($"RET_INVALID_INPUT: Unknown command '{words[0]}'. Type help for the list.");
            return false;
        }
        var args = words[1..];
        if (args.Length < command.MinArgs || args.Length > command.MaxArgs)
        {
            Error.WriteLine($"RET_INVALID_INPUT: Usage: {command.Syntax}");
            return false;
        }
        try
        {
            await command.Run(this, args);
            return true;
        }
        catch (Exception e) when (Support.CommonOptions.Refusal(e) is { } r)
        {
            Error.WriteLine($"{command.Name} failed: {r.Name}: {r.Message}");
        }
        return false;
    }

    /// <summary>singlecmd: runs the commands in order, stops at the first refusal; logs out at the end.</summary>
    public async Task<int> RunSingleAsync(IReadOnlyList<string> words)
    {
        try
        {
            foreach (var command in ShellSyntax.SplitCommands(words, MgmtCommands.All))
            {
                if (!await ExecuteAsync(command)) return ExitCodes.Refused;
                if (Quit) break;
            }
            return ExitCodes.Ok;
        }
        finally
        {
            await LogoutQuietlyAsync();
        }
    }

    public async Task<int> RunInteractiveAsync()
    {
        var failures = 0;
        while (!Quit)
        {
            Output.Write("cloudmgmt>");
            Output.Flush();
            var line = Input.ReadLine();
            if (line is null) break;
            var words = ShellSyntax.Words(line);
            if (words.Count == 0) continue;
            if (!await ExecuteAsync(words.ToArray())) failures++;
        }
        await LogoutQuietlyAsync();
        return failures == 0 ? ExitCodes.Ok : ExitCodes.Refused;
    }

    /// <summary>A password argument, or a prompt without echo when it is -hpswd.</summary>
    public string PasswordArgument(string argument, string label) =>
        argument == "-hpswd" ? SecretInput.Prompt(label, Input, Output) : argument;

    /// <summary>
    /// Runs an action against every node of the configuration on its own, each with its own login with
    /// this shell's credentials, headed "... on server N(HOST:PORT):" as azcloudhsm_mgmt_util does. A node
    /// that refuses or does not answer is reported and the others still run; the command then fails.
    /// </summary>
    public async Task ForEachNodeAsync(string heading, Func<HsmClient, Task> action)
    {
        var login = Login ?? throw new CliException("RET_USER_NOT_LOGGED_IN", "Log in first (loginHSM): each node is asked with this shell's login.");
        (string Name, string Message)? firstRefusal = null;
        for (var i = 0; i < Config.Nodes.Count; i++)
        {
            var node = Config.Nodes[i];
            Output.WriteLine($"{heading} on server {i}({node}):");
            using var client = new HsmClient(Config with { Nodes = [node], Wire = Config.Wire is { } wire && wire.Count > i ? [wire[i]] : null });
            try
            {
                await client.LoginAsync(login.Type, login.Name, login.Password);
                await action(client);
            }
            catch (Exception e) when (Support.CommonOptions.Refusal(e) is { } r)
            {
                Output.WriteLine($"  server {i} failed: {r.Name}: {r.Message}");
                firstRefusal ??= r;
            }
            finally
            {
                await Commands.UserCommands.LogoutQuietlyAsync(client);
            }
        }
        if (firstRefusal is { } refusal) throw new CliException(refusal.Name, $"not every server answered ({refusal.Message})");
    }

    private async Task LogoutQuietlyAsync()
    {
        if (_client is { IsLoggedIn: true })
        {
            try
            {
                await _client.LogoutAsync();
            }
            catch (HsmClientException)
            {
                // The login ends with the node's idle timeout anyway.
            }
        }
    }

    public void Dispose() => _client?.Dispose();
}

/// <summary>Who the shell is logged in as (kept for `-all-nodes`).</summary>
internal sealed record ShellLogin(Protocol.V1.UserType Type, string Name, string Password)
{
    public override string ToString() => $"{Type} {Name}";
}
