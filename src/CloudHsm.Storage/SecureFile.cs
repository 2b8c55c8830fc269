namespace CloudHsm.Storage;

/// <summary>Files only the node's user may read or write (mode 0600).</summary>
public static class SecureFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content)
    {
        // A leftover temp file (or a symlink planted there) must not lend its mode or target:
        // remove it and create a new file, 0600 from the start.
        var temp = path + ".tmp";
        File.Delete(temp);
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OperatingSystem.IsWindows() ? null : OwnerOnly,
        }))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, OwnerOnly);
        File.Move(temp, path, overwrite: true);
    }

    public static void WriteAllText(string path, string content) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(content));

    /// <summary>Refuses a secret file that group or others may read.</summary>
    public static void RequireOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            throw new DataDirectoryException($"{Path.GetFileName(path)} may be read by other users (mode {Convert.ToString((int)mode, 8)}); set it to 0600.");
        }
    }
}
