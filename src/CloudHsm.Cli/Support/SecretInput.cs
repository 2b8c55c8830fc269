using System.Text;

namespace CloudHsm.Cli.Support;

/// <summary>Passwords typed by a person (no echo), read from stdin, or taken from the environment.</summary>
internal static class SecretInput
{
    /// <summary>Reads a secret line from the terminal without echo, or a line from redirected stdin.</summary>
    public static string Prompt(string label, TextReader input, TextWriter output)
    {
        if (Console.IsInputRedirected || !ReferenceEquals(input, Console.In))
        {
            output.Write(label);
            output.Flush();
            return input.ReadLine()?.TrimEnd('\r') ?? throw new CliException("RET_INVALID_INPUT", "No password was given on standard input.");
        }
        output.Write(label);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0) text.Length--;
                continue;
            }
            if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        output.WriteLine();
        return text.ToString();
    }

    /// <summary>A new password: from stdin when asked, from an environment variable, else prompted twice.</summary>
    public static string NewPassword(bool fromStdin, string environmentVariable, TextReader input, TextWriter output)
    {
        if (fromStdin) return input.ReadLine()?.TrimEnd('\r') ?? throw new CliException("RET_INVALID_INPUT", "No password was given on standard input.");
        var env = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrEmpty(env)) return env;
        var first = Prompt("New password: ", input, output);
        var second = Prompt("Repeat new password: ", input, output);
        if (first != second) throw new CliException("RET_INVALID_INPUT", "The two passwords differ.");
        return first;
    }
}
