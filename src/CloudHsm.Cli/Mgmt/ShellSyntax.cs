namespace CloudHsm.Cli.Mgmt;

/// <summary>Splitting shell input: quoted words, and a singlecmd line into its commands.</summary>
internal static class ShellSyntax
{
    /// <summary>Splits a line into words; double or single quotes keep spaces inside a word.</summary>
    public static List<string> Words(string line)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        char? quote = null;
        var inWord = false;
        foreach (var c in line)
        {
            if (quote is not null)
            {
                if (c == quote) quote = null; else current.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(current.ToString());
                current.Clear();
                inWord = false;
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }
        if (inWord) words.Add(current.ToString());
        return words;
    }

    /// <summary>
    /// Splits singlecmd words into commands: a new command starts at ';' or at a known command name
    /// once the previous command has its minimum arguments and cannot take more.
    /// </summary>
    public static List<string[]> SplitCommands(IReadOnlyList<string> words, IReadOnlyDictionary<string, ShellCommand> commands)
    {
        var result = new List<string[]>();
        var i = 0;
        while (i < words.Count)
        {
            if (words[i] == ";") { i++; continue; }
            var name = words[i];
            var current = new List<string> { name };
            i++;
            commands.TryGetValue(name, out var command);
            while (i < words.Count && words[i] != ";")
            {
                var args = current.Count - 1;
                if (command is not null && args >= command.MinArgs && (args >= command.MaxArgs || commands.ContainsKey(words[i]))) break;
                current.Add(words[i]);
                i++;
            }
            result.Add(current.ToArray());
        }
        return result;
    }
}
