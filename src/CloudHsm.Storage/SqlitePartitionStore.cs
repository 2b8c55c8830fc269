using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Users;
using Microsoft.Data.Sqlite;

namespace CloudHsm.Storage;

/// <summary>
/// Partition state in SQLite (WAL). Every row is one record sealed whole (AES-256-GCM under the
/// domain records key, kind and id as associated data), so names, types and counters are as
/// protected as the secrets; the id column holds a keyed pseudonym, never a user name. A sealed
/// integrity total over all rows (<see cref="RecordIntegrityTotal"/>) reveals a removed, re-inserted
/// or older row. All rows are opened at start: any mismatch stops the node. Reads are served from an
/// immutable in-memory snapshot; <see cref="Apply{T}"/> writes one SQLite transaction and then
/// swaps the snapshot.
/// </summary>
public sealed class SqlitePartitionStore : IPartitionStore, IDisposable
{
    public const string FileName = "partition.db";
    private const string PartitionKind = "partition";
    private const string PartitionId = "current";
    private const string UserKind = "user";
    private const string IntegrityKind = "integrity";

    private readonly SqliteConnection _connection;
    private readonly SecretSealer _sealer;
    private readonly DomainKeys _keys;
    private readonly Lock _writeLock = new();
    private volatile Snapshot _snapshot;
    private RecordIntegrityTotal _integrity;

    private sealed record Snapshot(PartitionRecord? Partition, ImmutableSortedDictionary<string, UserRecord> Users);

    private SqlitePartitionStore(SqliteConnection connection, DomainKeys keys, Snapshot snapshot, RecordIntegrityTotal integrity)
    {
        _connection = connection;
        _sealer = keys.Records;
        _keys = keys;
        _snapshot = snapshot;
        _integrity = integrity;
    }

    /// <summary>Opens (creating if needed) the store and verifies every record.</summary>
    public static SqlitePartitionStore Open(string dataDirectory, DomainKeys keys)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, FileName),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            return OpenChecked(connection, dataDirectory, keys);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new DataDirectoryException($"{FileName} is not a readable SQLite database (SQLite error {e.SqliteErrorCode}): the data directory was damaged or tampered with.");
        }
    }

    private static SqlitePartitionStore OpenChecked(SqliteConnection connection, string dataDirectory, DomainKeys keys)
    {
        connection.Open();
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(dataDirectory, FileName), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;");
        Execute(connection, "CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, id TEXT NOT NULL, blob BLOB NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;");
        try
        {
            var (snapshot, integrity) = Load(connection, keys);
            return new SqlitePartitionStore(connection, keys, snapshot, integrity);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public PartitionRecord? Partition => _snapshot.Partition;

    public UserRecord? FindUser(string name) => _snapshot.Users.GetValueOrDefault(name);

    public IReadOnlyList<UserRecord> ListUsers() => _snapshot.Users.Values.ToList();

    public T Apply<T>(Func<IPartitionWriter, T> change)
    {
        lock (_writeLock)
        {
            var writer = new StagingWriter(_snapshot);
            var result = change(writer);
            var integrity = _integrity.Clone();
            using var tx = _connection.BeginTransaction();
            foreach (var (kind, logicalId, json) in writer.Changes)
            {
                if (json is not null)
                {
                    Put(tx, integrity, kind, RowId(kind, logicalId), json);
                }
                else if (logicalId == "*")
                {
                    foreach (var (k, id) in integrity.Keys(kind)) Delete(tx, integrity, k, id);
                }
                else
                {
                    Delete(tx, integrity, kind, RowId(kind, logicalId));
                }
            }
            WriteRow(tx, IntegrityKind, IntegrityKind, integrity.Encode());
            tx.Commit();
            _integrity = integrity;
            _snapshot = writer.Current;
            return result;
        }
    }

    /// <summary>Folds the WAL into the database and empties it, so no old frame stays on disk.</summary>
    public void TruncateLog()
    {
        lock (_writeLock)
        {
            Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        }
    }

    public void Dispose() => _connection.Dispose();

    private string RowId(string kind, string logicalId) => RowId(_keys, kind, logicalId);

    /// <summary>The id column of a record: a keyed pseudonym of its kind and logical id (a user name).</summary>
    public static string RowId(DomainKeys keys, string kind, string logicalId) => keys.RecordIds.Pseudonym(kind + "/" + logicalId);

    private void Put(SqliteTransaction tx, RecordIntegrityTotal integrity, string kind, string id, byte[] json)
    {
        try
        {
            var blob = WriteRow(tx, kind, id, json);
            integrity.Add(kind, id, blob);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(json);
        }
    }

    private byte[] WriteRow(SqliteTransaction tx, string kind, string id, byte[] plaintext)
    {
        var blob = _sealer.Seal(plaintext, SealPurpose.StoreRecord(kind, id));
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO records (kind, id, blob) VALUES ($k, $i, $b) ON CONFLICT(kind, id) DO UPDATE SET blob = excluded.blob;";
        cmd.Parameters.AddWithValue("$k", kind);
        cmd.Parameters.AddWithValue("$i", id);
        cmd.Parameters.AddWithValue("$b", blob);
        cmd.ExecuteNonQuery();
        return blob;
    }

    private void Delete(SqliteTransaction tx, RecordIntegrityTotal integrity, string kind, string id)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "DELETE FROM records WHERE kind = $k AND id = $i;";
        cmd.Parameters.AddWithValue("$k", kind);
        cmd.Parameters.AddWithValue("$i", id);
        cmd.ExecuteNonQuery();
        integrity.Remove(kind, id);
    }

    private static (Snapshot, RecordIntegrityTotal) Load(SqliteConnection connection, DomainKeys keys)
    {
        var sealer = keys.Records;
        PartitionRecord? partition = null;
        var users = ImmutableSortedDictionary.CreateBuilder<string, UserRecord>(StringComparer.Ordinal);
        var integrity = new RecordIntegrityTotal(keys.RecordIntegrity);
        System.Numerics.BigInteger? expectedTotal = null;
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT kind, id, blob FROM records;";
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var kind = reader.GetString(0);
            var id = reader.GetString(1);
            var blob = (byte[])reader[2];
            if (!sealer.TryUnseal(blob, SealPurpose.StoreRecord(kind, id), out var json))
            {
                throw new DataDirectoryException($"A {kind} record in {FileName} failed authentication: the data directory was tampered with or belongs to another node.");
            }
            try
            {
                switch (kind)
                {
                    case IntegrityKind:
                        expectedTotal = RecordIntegrityTotal.Decode(json);
                        continue;
                    case PartitionKind:
                        RequireId(keys, kind, PartitionId, id);
                        partition = JsonSerializer.Deserialize(json, StorageJsonContext.Default.PartitionRecord);
                        break;
                    case UserKind:
                        var user = JsonSerializer.Deserialize(json, StorageJsonContext.Default.UserRecord)!;
                        RequireId(keys, kind, user.Name, id);
                        users[user.Name] = user;
                        break;
                    default:
                        throw new DataDirectoryException($"Unknown record kind '{kind}' in {FileName}.");
                }
                integrity.Add(kind, id, blob);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(json);
            }
        }
        if (expectedTotal is null ? partition is not null || users.Count > 0 : expectedTotal != integrity.Total)
        {
            throw new DataDirectoryException($"The records in {FileName} do not add up to their sealed integrity total: a record was removed, re-inserted or replaced by an older copy.");
        }
        return (new Snapshot(partition, users.ToImmutable()), integrity);
    }

    private static void RequireId(DomainKeys keys, string kind, string logicalId, string rowId)
    {
        if (RowId(keys, kind, logicalId) != rowId)
        {
            throw new DataDirectoryException($"A {kind} record in {FileName} sits under another record's id: the data directory was tampered with.");
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Collects the writes of one apply over the current snapshot; nothing reaches disk until commit.</summary>
    private sealed class StagingWriter(Snapshot start) : IPartitionWriter
    {
        public Snapshot Current { get; private set; } = start;
        public List<(string Kind, string Id, byte[]? Json)> Changes { get; } = [];

        public PartitionRecord? Partition => Current.Partition;

        public UserRecord? FindUser(string name) => Current.Users.GetValueOrDefault(name);

        public IReadOnlyList<UserRecord> ListUsers() => Current.Users.Values.ToList();

        public void SetPartition(PartitionRecord partition)
        {
            Current = Current with { Partition = partition };
            Changes.Add((PartitionKind, PartitionId, JsonSerializer.SerializeToUtf8Bytes(partition, StorageJsonContext.Default.PartitionRecord)));
        }

        public void PutUser(UserRecord user)
        {
            Current = Current with { Users = Current.Users.SetItem(user.Name, user) };
            Changes.Add((UserKind, user.Name, JsonSerializer.SerializeToUtf8Bytes(user, StorageJsonContext.Default.UserRecord)));
        }

        public void RemoveUser(string name)
        {
            Current = Current with { Users = Current.Users.Remove(name) };
            Changes.Add((UserKind, name, null));
        }

        public void RemoveAllUsers()
        {
            Current = Current with { Users = Current.Users.Clear() };
            Changes.Add((UserKind, "*", null));
        }
    }
}
