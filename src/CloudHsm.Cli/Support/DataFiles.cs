namespace CloudHsm.Cli.Support;

/// <summary>
/// Binary input and output of the key and crypto subcommands: '-' is standard input or output;
/// files the CLI writes are made readable by their owner only (0600), written whole or not at all.
/// </summary>
internal static class DataFiles
{
    public const string Standard = "-";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static async Task<byte[]> ReadAsync(string path)
    {
        if (path == Standard)
        {
            using var input = Console.OpenStandardInput();
            using var buffer = new MemoryStream();
            await input.CopyToAsync(buffer);
            return buffer.ToArray();
        }
        if (!File.Exists(path)) throw new CliException("RET_INVALID_INPUT", $"No file {path}.");
        return await File.ReadAllBytesAsync(path);
    }

    /// <summary>Writes the bytes: to standard output for '-', else to a 0600 file that replaces any file of that name.</summary>
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> data)
    {
        if (path == Standard)
        {
            using var output = Console.OpenStandardOutput();
            await output.WriteAsync(data);
            await output.FlushAsync();
            return;
        }
        var full = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        try
        {
            await using (var file = new FileStream(temporary, options))
            {
                await file.WriteAsync(data);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Hex digits (an optional 0x prefix) or a refusal that names the option.</summary>
    public static byte[] Hex(string text, string option)
    {
        try
        {
            return Convert.FromHexString(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text);
        }
        catch (FormatException)
        {
            throw new CliException("RET_INVALID_INPUT", $"{option} takes hex digits.");
        }
    }

    /// <summary>The DER inside a PEM block with this label, or the bytes as they are when they are not PEM.</summary>
    public static byte[] DerFromPem(byte[] data, string label)
    {
        var text = System.Text.Encoding.ASCII.GetString(data);
        if (!text.TrimStart().StartsWith("-----BEGIN ", StringComparison.Ordinal)) return data;
        if (!System.Security.Cryptography.PemEncoding.TryFind(text, out var fields) || text[fields.Label] != label)
        {
            throw new CliException("RET_INVALID_INPUT", $"Expected a PEM \"{label}\" block.");
        }
        return Convert.FromBase64String(text[fields.Base64Data]);
    }
}
