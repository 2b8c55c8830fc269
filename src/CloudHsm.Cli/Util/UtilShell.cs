using CloudHsm.Cli.Mgmt;
using CloudHsm.Cli.Support;
using CloudHsm.Client;

namespace CloudHsm.Cli.Util;

/// <summary>What became of one command.</summary>
internal enum UtilOutcome { Done, Refused, Usage }

/// <summary>
/// The `cloudhsm util` shell: azcloudhsm_util (AWS key_mgmt_util) commands with their -option syntax,
/// interactive (prompt "Command: ") or as `singlecmd` for scripts. Each command prints the status line of
/// the original ("Cfm3... returned: 0x00 : HSM Return: SUCCESS", or the error code and its stable name) on
/// standard output, and the reason of a refusal on standard error.
/// </summary>
internal sealed class UtilShell(string? configPath, TextReader input, TextWriter output, TextWriter error) : ICompatibilityShell
{
    public const string Prompt = "Command: ";

    private HsmClient? _client;
    private ClientConfig? _config;

    public TextReader Input { get; } = input;
    public TextWriter Output { get; } = output;
    public TextWriter Error { get; } = error;
    public bool Quit { get; set; }

    /// <summary>The function named by the status line of the running command (a handler may change it).</summary>
    public string Call { get; set; } = "";

    public ClientConfig Config => _config ??= ClientConfig.Load(configPath);

    public HsmClient Client => _client ??= new HsmClient(Config);

    public bool LoggedIn => _client is { IsLoggedIn: true };

    /// <summary>Runs one command given as words; prints its result or refusal.</summary>
    public async Task<UtilOutcome> ExecuteAsync(IReadOnlyList<string> words)
    {
        if (words.Count == 0) return UtilOutcome.Done;
        if (!UtilCommands.All.TryGetValue(words[0], out var verb))
        {
            Error.WriteLine($"RET_INVALID_INPUT: Unknown command '{words[0]}'. Type help for the list.");
            return UtilOutcome.Usage;
        }
        UtilArgs args;
        try
        {
            args = UtilArgs.Parse(verb, words.Skip(1).ToList());
        }
        catch (UtilUsageException e)
        {
            Error.WriteLine($"RET_INVALID_INPUT: {e.Message}");
            Error.WriteLine($"Syntax: {verb.Syntax}   (type {verb.Name} -h for help)");
            return UtilOutcome.Usage;
        }
        if (args.HelpRequested)
        {
            UtilHelp.Command(this, verb);
            return UtilOutcome.Done;
        }
        Call = verb.Call;
        try
        {
            if (verb.NeedsLogin && !LoggedIn)
            {
                throw new CliException("RET_USER_NOT_LOGGED_IN", "Log in first: loginHSM -u CU -s <user name> -p <password> (or -hpswd).");
            }
            await verb.Run(this, args);
            return UtilOutcome.Done;
        }
        catch (UtilUsageException e)
        {
            Error.WriteLine($"RET_INVALID_INPUT: {e.Message}");
            Error.WriteLine($"Syntax: {verb.Syntax}");
            return UtilOutcome.Usage;
        }
        catch (Exception e) when (CommonOptions.Refusal(e) is { } r)
        {
            Failure(r.Name);
            Error.WriteLine($"{verb.Name} failed: {r.Name}: {r.Message}");
            return UtilOutcome.Refused;
        }
    }

    /// <summary>singlecmd: runs the commands in order, stops at the first failure; logs out at the end.</summary>
    public async Task<int> RunSingleAsync(IReadOnlyList<string> words)
    {
        try
        {
            foreach (var command in UtilArgs.SplitCommands(words, UtilCommands.All))
            {
                switch (await ExecuteAsync(command))
                {
                    case UtilOutcome.Refused: return ExitCodes.Refused;
                    case UtilOutcome.Usage: return ExitCodes.Usage;
                }
                if (Quit) break;
            }
            return ExitCodes.Ok;
        }
        finally
        {
            await LogoutQuietlyAsync();
        }
    }

    /// <summary>Interactive: one command per line until exit, quit or the end of input.</summary>
    public async Task<int> RunInteractiveAsync()
    {
        var failures = 0;
        while (!Quit)
        {
            Output.Write(Prompt);
            Output.Flush();
            var line = Input.ReadLine();
            if (line is null) break;
            // A terminal shows the typed line; from a file or pipe the line is not echoed (it may hold a
            // password), so the output starts on a line of its own.
            if (!ReferenceEquals(Input, Console.In) || Console.IsInputRedirected) Output.WriteLine();
            var words = ShellSyntax.Words(line);
            if (words.Count == 0) continue;
            if (await ExecuteAsync(words) != UtilOutcome.Done) failures++;
            Output.Flush();
        }
        await LogoutQuietlyAsync();
        return failures == 0 ? ExitCodes.Ok : ExitCodes.Refused;
    }

    /// <summary>The success status line of the running command (or of <paramref name="call"/>).</summary>
    public void Success(string? call = null)
    {
        Output.WriteLine();
        Output.WriteLine($"\t{call ?? Call} returned: 0x00 : HSM Return: SUCCESS");
    }

    /// <summary>The failure status line: the code and the stable error name.</summary>
    public void Failure(string errorName)
    {
        if (Call.Length == 0) return;
        Output.WriteLine();
        Output.WriteLine($"\t{Call} returned: {UtilErrors.Hex(UtilErrors.CodeOf(errorName))} : HSM Error: {errorName}");
    }

    /// <summary>A line of the command's result, indented as the original.</summary>
    public void Say(string line = "")
    {
        Output.WriteLine(line.Length == 0 ? "" : "\t" + line);
    }

    /// <summary>A line asked of the user (setAttribute without -v); the end of input is a usage error.</summary>
    public string Ask(string label)
    {
        Output.Write(label);
        Output.Flush();
        return Input.ReadLine()?.Trim() ?? throw new UtilUsageException("No value was given on standard input.");
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
