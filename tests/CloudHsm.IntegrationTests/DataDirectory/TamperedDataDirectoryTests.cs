using CloudHsm.IntegrationTests.Harness;
using Microsoft.Data.Sqlite;

namespace CloudHsm.IntegrationTests.DataDirectory;

/// <summary>
/// A node whose data directory was altered refuses to start (RET_DATA_TAMPERED, no stack trace) and
/// starts again, with its users, once the original bytes are back: the refusal changed nothing.
/// </summary>
/// <remarks>
/// How partition.db is altered, deterministically: the node is stopped with SIGTERM, so SQLite
/// checkpoints the WAL into partition.db and removes it. The test then reads the sealed blob of one
/// record with Microsoft.Data.Sqlite (the Storage project's own dependency), finds those bytes in the
/// raw file, and flips one byte in the middle of them. That is an edit of the file itself, not
/// through SQLite, and it hits the ciphertext of a known record, never free space.
/// </remarks>
public sealed class TamperedDataDirectoryTests
{
    private const string CuPassword = "Crypto-User-Pass-2024!";

    [Fact]
    public async Task FlippedByteInTheKeyringStopsTheNodeUntilItIsRestored()
    {
        await using var p = await StartWithUserAsync();
        await p.StopNodeAsync();
        var keyring = Path.Combine(p.DataDirectory, "keyring.sealed");
        var original = await File.ReadAllBytesAsync(keyring);

        // The format version, the sealed secret, the tag: each part of the sealed keyring counts.
        foreach (var at in new[] { 0, original.Length / 2, original.Length - 1 })
        {
            await File.WriteAllBytesAsync(keyring, Flipped(original, at));
            var result = await ControlledNode.RunExpectingRefusalAsync(p.DataDirectory);
            AssertTampered(result, "keyring.sealed", $"byte {at} of keyring.sealed flipped");
        }

        await File.WriteAllBytesAsync(keyring, original);
        await AssertStartsWithItsUsersAsync(p);
    }

    [Fact]
    public async Task FlippedByteInsideARecordOfTheDatabaseStopsTheNodeUntilItIsRestored()
    {
        await using var p = await StartWithUserAsync();
        await p.StopNodeAsync();
        var database = Path.Combine(p.DataDirectory, "partition.db");
        Assert.False(File.Exists(database + "-wal") && new FileInfo(database + "-wal").Length > 0, "the WAL was not checkpointed at stop");
        // Row ids are keyed pseudonyms (no user names at rest): take any user record.
        var blob = ReadFirstUserBlob(database);
        var original = await File.ReadAllBytesAsync(database);
        var at = LocateInside(original, blob);

        await File.WriteAllBytesAsync(database, Flipped(original, at));
        var result = await ControlledNode.RunExpectingRefusalAsync(p.DataDirectory);

        AssertTampered(result, "user record", $"byte {at} of partition.db (inside a sealed user record) flipped");
        await File.WriteAllBytesAsync(database, original);
        await AssertStartsWithItsUsersAsync(p);
    }

    [Fact]
    public async Task RecordCopiedOverAnotherUserStopsTheNode()
    {
        await using var p = await StartWithUserAsync();
        await p.StopNodeAsync();
        var database = Path.Combine(p.DataDirectory, "partition.db");
        var original = await File.ReadAllBytesAsync(database);

        // A well-formed sealed record, put where another user's should be: the CO 'admin' would get
        // alice's password (which the attacker knows) if records were not bound to their ids.
        Execute(database, "UPDATE records SET blob = (SELECT blob FROM records WHERE kind = 'user' ORDER BY id LIMIT 1) " +
            "WHERE kind = 'user' AND id = (SELECT id FROM records WHERE kind = 'user' ORDER BY id LIMIT 1 OFFSET 1);");
        var result = await ControlledNode.RunExpectingRefusalAsync(p.DataDirectory);

        AssertTampered(result, "user record", "one user's sealed record copied over another's");
        await File.WriteAllBytesAsync(database, original);
        foreach (var file in Directory.GetFiles(p.DataDirectory, "partition.db-*")) File.Delete(file);
        await AssertStartsWithItsUsersAsync(p);
    }

    /// <summary>
    /// A partition.db that SQLite itself cannot read (damaged header or page) is a damaged data
    /// directory like any other: the node must say RET_DATA_TAMPERED, not die with an exception.
    /// </summary>
    [Theory]
    [InlineData(0, "the 'SQLite format 3' magic")]
    [InlineData(100, "the b-tree page type of page 1")]
    public async Task DatabaseFileThatSqliteCannotReadIsRefusedAsTampered(int offset, string what)
    {
        await using var p = await DataDirectoryPartition.StartAsync();
        await p.StopNodeAsync();
        var database = Path.Combine(p.DataDirectory, "partition.db");
        var original = await File.ReadAllBytesAsync(database);

        await File.WriteAllBytesAsync(database, Flipped(original, offset));
        var result = await ControlledNode.RunExpectingRefusalAsync(p.DataDirectory);

        AssertTampered(result, "partition.db", $"{what} (byte {offset}) flipped");
        await File.WriteAllBytesAsync(database, original);
        foreach (var file in Directory.GetFiles(p.DataDirectory, "partition.db-*")) File.Delete(file);
        await p.StartNodeAsync();
    }

    [Fact]
    public async Task MasterKeyReadableByOthersStopsTheNode()
    {
        if (OperatingSystem.IsWindows()) return;
        await using var p = await DataDirectoryPartition.StartAsync();
        var serial = p.Node.SerialNumber;
        await p.StopNodeAsync();
        var masterKey = Path.Combine(p.DataDirectory, "master.key");
        var ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(ownerOnly, File.GetUnixFileMode(masterKey));

        File.SetUnixFileMode(masterKey, ownerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var result = await ControlledNode.RunExpectingRefusalAsync(p.DataDirectory);

        AssertTampered(result, "0600", "master.key with mode 0644");
        Assert.Contains("master.key", result.Stderr, StringComparison.Ordinal);

        File.SetUnixFileMode(masterKey, ownerOnly);
        await p.StartNodeAsync();
        Assert.Equal(serial, p.Node.SerialNumber);
    }

    private static async Task<DataDirectoryPartition> StartWithUserAsync()
    {
        var p = await DataDirectoryPartition.StartActivatedAsync();
        try
        {
            (await p.AsCoAsync("createUser", "CU", "alice", CuPassword)).ShouldSucceed();
            return p;
        }
        catch
        {
            await p.DisposeAsync();
            throw;
        }
    }

    private static async Task AssertStartsWithItsUsersAsync(DataDirectoryPartition p)
    {
        await p.StartNodeAsync();
        var users = (await p.AsCoAsync("listUsers")).ShouldSucceed();
        Assert.Matches(@"\bCO\s+admin\b", users.Stdout);
        Assert.Matches(@"\bCU\s+alice\b", users.Stdout);
        (await p.AsUserAsync("CU", "alice", CuPassword, "listUsers")).ShouldSucceed();
    }

    private static void AssertTampered(CliResult result, string mention, string what)
    {
        Assert.True(result.ExitCode != 0, $"{what}: the node started:\n{result}");
        Assert.True(result.Stderr.Contains("RET_DATA_TAMPERED", StringComparison.Ordinal), $"{what}: expected RET_DATA_TAMPERED:\n{result}");
        Assert.True(result.Stderr.Contains(mention, StringComparison.Ordinal), $"{what}: expected the refusal to name {mention}:\n{result}");
        Assert.False(result.Output.Contains("   at ", StringComparison.Ordinal), $"{what}: stack trace in the output:\n{result}");
    }

    private static byte[] Flipped(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= 0xFF;
        return copy;
    }

    /// <summary>
    /// The file offset of a byte in the middle of <paramref name="blob"/>, found through a 32-byte
    /// window of it that occurs exactly once in the file (a window rather than the whole blob, in
    /// case SQLite split the blob over an overflow page).
    /// </summary>
    private static int LocateInside(byte[] file, byte[] blob)
    {
        const int window = 32;
        for (var start = blob.Length / 2 - window / 2; start >= 0; start -= window)
        {
            var needle = blob.AsSpan(start, window);
            var first = file.AsSpan().IndexOf(needle);
            if (first >= 0 && file.AsSpan(first + 1).IndexOf(needle) < 0) return first + window / 2;
        }
        throw new InvalidOperationException("The record's sealed bytes were not found in partition.db.");
    }

    private static SqliteConnection Open(string database)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = database,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    private static byte[] ReadFirstUserBlob(string database)
    {
        using var connection = Open(database);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT blob FROM records WHERE kind = 'user' ORDER BY id LIMIT 1;";
        return (byte[])(command.ExecuteScalar() ?? throw new InvalidOperationException("no user record"));
    }

    private static void Execute(string database, string sql)
    {
        using var connection = Open(database);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
