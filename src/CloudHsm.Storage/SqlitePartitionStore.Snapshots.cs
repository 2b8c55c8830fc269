using Microsoft.Data.Sqlite;

namespace CloudHsm.Storage;

/// <summary>
/// The store as a replication snapshot: every row as stored (records sealed under the domain keys, key rows
/// with their pseudonymous index columns), so a node of the same partition can take it as is and one of
/// another partition cannot open it. The integrity total is not carried: the receiver computes its own and
/// then opens every record, as at start.
/// </summary>
public sealed partial class SqlitePartitionStore
{
    private static ReadOnlySpan<byte> SnapshotMagic => "CHSMSNP1"u8;

    /// <summary>Writes every row and the given log index (the entry this snapshot stands for).</summary>
    public void WriteSnapshot(Stream destination, long index)
    {
        using var output = new BinaryWriter(destination, System.Text.Encoding.UTF8, leaveOpen: true);
        lock (_writeLock)
        lock (_dbLock)
        {
            output.Write(SnapshotMagic);
            output.Write(index);
            WriteRows(output, "SELECT kind, id, blob FROM records WHERE kind NOT IN ('integrity', 'replication');", 3);
            WriteRows(output, "SELECT handle, class, key_type, label_tag, id_tag, owner_tag, kcv_tag, active_at, blob FROM keys;", 9);
            WriteRows(output, "SELECT handle, user_tag FROM key_shares;", 2);
        }
    }

    /// <summary>The log index a snapshot stands for, read from its header.</summary>
    public static long ReadSnapshotIndex(Stream source)
    {
        using var input = new BinaryReader(source, System.Text.Encoding.UTF8, leaveOpen: true);
        RequireMagic(input);
        return input.ReadInt64();
    }

    /// <summary>
    /// Replaces the whole state with a snapshot's rows in one transaction, then verifies and loads it as at
    /// start. A snapshot of another partition (or a damaged one) fails there, and nothing changes.
    /// </summary>
    public void ReplaceWithSnapshot(Stream source)
    {
        using var input = new BinaryReader(source, System.Text.Encoding.UTF8, leaveOpen: true);
        lock (_writeLock)
        lock (_dbLock)
        {
            RequireMagic(input);
            var index = input.ReadInt64();
            var integrity = new RecordIntegrityTotal(_keys.RecordIntegrity);
            using (var tx = _connection.BeginTransaction())
            {
                Execute(_connection, tx, "DELETE FROM records; DELETE FROM keys; DELETE FROM key_shares;");
                ReadRows(input, tx, "INSERT INTO records (kind, id, blob) VALUES ($0, $1, $2);", 3,
                    row => integrity.Add((string)row[0], (string)row[1], (byte[])row[2]));
                ReadRows(input, tx, "INSERT INTO keys (handle, class, key_type, label_tag, id_tag, owner_tag, kcv_tag, active_at, blob) VALUES ($0, $1, $2, $3, $4, $5, $6, $7, $8);", 9,
                    row => integrity.AddUntracked(SqliteKeyTable.Kind, SqliteKeyTable.RowId((ulong)(long)row[0]), (byte[])row[8]));
                ReadRows(input, tx, "INSERT INTO key_shares (handle, user_tag) VALUES ($0, $1);", 2, _ => { });
                var bytes = new byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, index);
                var appliedRowId = RowId(ReplicationKind, AppliedIndexId);
                var appliedBlob = WriteRow(tx, ReplicationKind, appliedRowId, bytes);
                integrity.Add(ReplicationKind, appliedRowId, appliedBlob);
                WriteRow(tx, IntegrityKind, IntegrityKind, integrity.Encode());
                try
                {
                    var (snapshot, loaded) = Load(_connection, _keys, _keyTable, tx);
                    tx.Commit();
                    _snapshot = snapshot;
                    _integrity = loaded;
                }
                catch
                {
                    tx.Rollback();
                    throw;
                }
            }
            Volatile.Write(ref _keyCount, _keyTable.Count());
        }
    }

    private void WriteRows(BinaryWriter output, string sql, int columns)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var rows = new List<object[]>();
        while (reader.Read())
        {
            var row = new object[columns];
            reader.GetValues(row);
            rows.Add(row);
        }
        output.Write(rows.Count);
        foreach (var row in rows)
        {
            foreach (var value in row)
            {
                switch (value)
                {
                    case long l: output.Write((byte)1); output.Write(l); break;
                    case string s: output.Write((byte)2); output.Write(s); break;
                    case byte[] b: output.Write((byte)3); output.Write(b.Length); output.Write(b); break;
                    default: throw new InvalidDataException("Unexpected column type in the store.");
                }
            }
        }
    }

    private void ReadRows(BinaryReader input, SqliteTransaction tx, string sql, int columns, Action<object[]> added)
    {
        var count = input.ReadInt32();
        if (count < 0) throw new InvalidDataException("A damaged snapshot.");
        for (var i = 0; i < count; i++)
        {
            var row = new object[columns];
            for (var c = 0; c < columns; c++)
            {
                row[c] = input.ReadByte() switch
                {
                    1 => input.ReadInt64(),
                    2 => input.ReadString(),
                    3 => input.ReadBytes(input.ReadInt32()),
                    _ => throw new InvalidDataException("A damaged snapshot."),
                };
            }
            using var cmd = _connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql;
            for (var c = 0; c < columns; c++) cmd.Parameters.AddWithValue("$" + c.ToString(System.Globalization.CultureInfo.InvariantCulture), row[c]);
            cmd.ExecuteNonQuery();
            added(row);
        }
    }

    private static void RequireMagic(BinaryReader input)
    {
        Span<byte> magic = stackalloc byte[8];
        input.BaseStream.ReadExactly(magic);
        if (!magic.SequenceEqual(SnapshotMagic)) throw new InvalidDataException("Not a CloudHSM snapshot.");
    }
}

public sealed partial class SqlitePartitionStore
{
    /// <summary>
    /// A keyed digest of each user and key record's content (and of the partition record), for comparing replicas:
    /// equal records give equal digests on every node of the partition; the digests reveal nothing without the
    /// domain key. Keys are named by handle, users by name.
    /// </summary>
    public IReadOnlyList<(string Kind, string Name, string Digest)> ContentDigests()
    {
        var snapshot = _snapshot;
        var result = new List<(string, string, string)>();
        if (snapshot.Partition is { } partition)
        {
            result.Add(("partition", partition.SerialNumber, Digest(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(partition, StorageJsonContext.Default.PartitionRecord))));
        }
        foreach (var user in snapshot.Users.Values)
        {
            result.Add(("user", user.Name, Digest(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(user, StorageJsonContext.Default.UserRecord))));
        }
        var page = new Core.Keys.KeyQuery { Limit = 5_000 };
        while (FindKeys(page) is { Count: > 0 } keys)
        {
            foreach (var key in keys)
            {
                var json = KeyRecordDocument.Serialize(key);
                result.Add(("key", key.Handle.ToString(System.Globalization.CultureInfo.InvariantCulture), Digest(json)));
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(json);
            }
            page = page with { AfterHandle = keys[^1].Handle };
        }
        return result;
    }

    private string Digest(byte[] content)
    {
        var prefixed = new byte[content.Length + 7];
        "digest/"u8.CopyTo(prefixed);
        content.CopyTo(prefixed, 7);
        try
        {
            return Convert.ToHexStringLower(_keys.RecordIds.Compute(prefixed));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(prefixed);
        }
    }
}
