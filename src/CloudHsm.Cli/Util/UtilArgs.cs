using System.Globalization;
using System.Text;

namespace CloudHsm.Cli.Util;

/// <summary>The command line was wrong (unknown or missing option, not a number): a usage error, nothing was done.</summary>
internal sealed class UtilUsageException(string message) : Exception(message);

/// <summary>The options of one util command after parsing, with typed accessors that report usage errors.</summary>
internal sealed class UtilArgs
{
    private readonly Dictionary<string, string?> _values;

    private UtilArgs(Dictionary<string, string?> values, IReadOnlyList<string> positional, bool help)
    {
        _values = values;
        Positional = positional;
        HelpRequested = help;
    }

    public IReadOnlyList<string> Positional { get; }

    /// <summary>-h was given: show the command's help and do nothing else.</summary>
    public bool HelpRequested { get; }

    /// <summary>Parses the words after a command name against its options.</summary>
    public static UtilArgs Parse(UtilVerb verb, IReadOnlyList<string> words)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var positional = new List<string>();
        var help = false;
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (word == "-h")
            {
                help = true;
                continue;
            }
            var option = verb.Option(word);
            if (option is null)
            {
                if (!word.StartsWith('-') && positional.Count < verb.MaxPositional)
                {
                    positional.Add(word);
                    continue;
                }
                throw new UtilUsageException(word.StartsWith('-') ? $"{verb.Name} has no option {word}." : $"Unexpected '{word}' (options start with -).");
            }
            if (values.ContainsKey(word)) throw new UtilUsageException($"{word} is given twice.");
            if (!option.TakesValue)
            {
                values[word] = null;
                continue;
            }
            if (i + 1 >= words.Count) throw new UtilUsageException($"{word} needs a value <{option.Value}>.");
            values[word] = words[++i];
        }
        if (!help)
        {
            var missing = verb.Options.Where(o => o.Required && !values.ContainsKey(o.Name)).Select(o => o.Name).ToList();
            if (missing.Count > 0) throw new UtilUsageException($"{verb.Name} needs {string.Join(", ", missing)}.");
        }
        return new UtilArgs(values, positional, help);
    }

    /// <summary>
    /// singlecmd: splits words into commands. A command takes the words that are its options (and their
    /// values); a command name (or any other word that is not an option) where an option could stand, or
    /// ';', starts the next command.
    /// </summary>
    public static List<string[]> SplitCommands(IReadOnlyList<string> words, IReadOnlyDictionary<string, UtilVerb> verbs)
    {
        var result = new List<string[]>();
        var i = 0;
        while (i < words.Count)
        {
            if (words[i] == ";")
            {
                i++;
                continue;
            }
            var current = new List<string> { words[i] };
            verbs.TryGetValue(words[i], out var verb);
            var positional = 0;
            i++;
            while (i < words.Count && words[i] != ";" && !verbs.ContainsKey(words[i]))
            {
                // A word that is neither an option nor a value cannot belong to a known command: it starts the next
                // one (an unknown command name, reported as such).
                if (verb is not null && !words[i].StartsWith('-') && positional++ >= verb.MaxPositional) break;
                current.Add(words[i]);
                if (verb?.Option(words[i]) is { TakesValue: true } && i + 1 < words.Count)
                {
                    current.Add(words[i + 1]);
                    i++;
                }
                i++;
            }
            result.Add(current.ToArray());
        }
        return result;
    }

    public bool Has(string option) => _values.ContainsKey(option);

    public string? Text(string option) => _values.GetValueOrDefault(option);

    public string RequiredText(string option) => Text(option) ?? throw new UtilUsageException($"{option} is required.");

    public byte[]? Utf8(string option) => Text(option) is { } text ? Encoding.UTF8.GetBytes(text) : null;

    public int? Int(string option)
    {
        if (Text(option) is not { } text) return null;
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new UtilUsageException($"{option} takes a number, not '{text}'.");
    }

    public int RequiredInt(string option) => Int(option) ?? throw new UtilUsageException($"{option} is required.");

    /// <summary>A key handle: a positive decimal number.</summary>
    public ulong Handle(string option)
    {
        var text = RequiredText(option);
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var handle) && handle > 0
            ? handle
            : throw new UtilUsageException($"{option} takes a key handle (a positive number), not '{text}'.");
    }

    /// <summary>A 0/1 choice such as -sess or -m of aesWrapUnwrap.</summary>
    public bool? Bit(string option)
    {
        if (Text(option) is not { } text) return null;
        return text switch
        {
            "1" => true,
            "0" => false,
            _ => throw new UtilUsageException($"{option} takes 0 or 1, not '{text}'."),
        };
    }

    /// <summary>A comma-separated list of user ids (-u 5,6).</summary>
    public IReadOnlyList<int> UserIds(string option)
    {
        if (Text(option) is not { } text) return [];
        var ids = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            ids.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? id
                : throw new UtilUsageException($"{option} takes user ids separated by commas (see listUsers), not '{text}'."));
        }
        return ids;
    }

    /// <summary>Hex bytes, with or without 0x (-kcv 0x1a4b31).</summary>
    public byte[]? HexBytes(string option)
    {
        if (Text(option) is not { } text) return null;
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        try
        {
            return Convert.FromHexString(digits);
        }
        catch (FormatException)
        {
            throw new UtilUsageException($"{option} takes hexadecimal bytes, not '{text}'.");
        }
    }
}
