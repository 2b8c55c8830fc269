using System.Diagnostics;
using System.Text;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Util;

/// <summary>
/// An interactive `cloudhsm util` process driven line by line, as a person types: each command's output
/// is what the shell prints before its next "Command: " prompt. One process and one login serve many
/// commands, and a command may use a handle printed by an earlier one (setAttribute after genSymKey -sess).
/// </summary>
public sealed class UtilSession : IAsyncDisposable
{
    private const string Prompt = "Command: ";

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _readers;
    private int _consumed;

    private UtilSession(Process process)
    {
        _process = process;
        _readers = Task.WhenAll(Pump(process.StandardOutput, _stdout), Pump(process.StandardError, _stderr));
    }

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    /// <summary>Starts `cloudhsm util --config ...` and logs in as the given CU.</summary>
    public static async Task<UtilSession> LoginAsync(TestPartition p, string user, string password)
    {
        var session = new UtilSession(Process.Start(CliRunner.StartInfo(["util", "--config", p.ConfigPath]))!);
        await session.NextPromptAsync();
        var login = await session.RunAsync($"loginHSM -u CU -s {user} -p {password}");
        Assert.True(login.Contains("Cfm3LoginHSM returned: 0x00", StringComparison.Ordinal), login + session.Stderr);
        return session;
    }

    /// <summary>Sends one command line and returns what the shell printed for it (standard output).</summary>
    public async Task<string> RunAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
        return await NextPromptAsync();
    }

    /// <summary>As <see cref="RunAsync"/>, asserting the status line of success.</summary>
    public async Task<string> OkAsync(string line)
    {
        var output = await RunAsync(line);
        Assert.True(output.Contains("returned: 0x00 : HSM Return: SUCCESS", StringComparison.Ordinal) && !output.Contains("HSM Error", StringComparison.Ordinal),
            $"{line}\n{output}\n{Stderr}");
        return output;
    }

    private async Task<string> NextPromptAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            lock (_stdout)
            {
                var text = _stdout.ToString();
                var at = text.IndexOf(Prompt, _consumed, StringComparison.Ordinal);
                if (at >= 0)
                {
                    var chunk = text[_consumed..at];
                    _consumed = at + Prompt.Length;
                    return chunk;
                }
            }
            if (_process.HasExited) throw new InvalidOperationException($"util exited with {_process.ExitCode}:\n{_stdout}\n{Stderr}");
            await Task.Delay(20);
        }
        throw new TimeoutException($"no prompt from util:\n{_stdout}\n{Stderr}");
    }

    private static async Task Pump(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into) into.Append(buffer, 0, read);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync("exit");
                _process.StandardInput.Close();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _readers;
        _process.Dispose();
    }
}
