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
/// protected as the secrets. All rows are opened at start: a bad tag stops the node. Reads are
/// served from an immutable in-memory snapshot; <see cref="Apply{T}"/> writes one SQLite
/// transaction and then swaps the snapshot.
/// </summary>
public sealed class SqlitePartitionStore : IPartitionStore, IDisposable
{
    public const string FileName = "partition.db";
    private const string PartitionKind = "partition";
    private const string PartitionId = "current";
    private const string UserKind = "user";

    private readonly SqliteConnection _connection;
    private readonly SecretSealer _sealer;
    private readonly Lock _writeLock = new();
    private volatile Snapshot _snapshot;

    private sealed record Snapshot(PartitionRecord? Partition, ImmutableSortedDictionary<string, UserRecord> Users);

    private SqlitePartitionStore(SqliteConnection connection, SecretSealer sealer, Snapshot snapshot)
    {
        _connection = connection;
        _sealer = sealer;
        _snapshot = snapshot;
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
        connection.Open();
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(dataDirectory, FileName), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;");
        Execute(connection, "CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, id TEXT NOT NULL, blob BLOB NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;");
        try
        {
            return new SqlitePartitionStore(connection, keys.Records, Load(connection, keys.Records));
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
            using var tx = _connection.BeginTransaction();
            foreach (var (key, value) in writer.Changes)
            {
                if (value is null) Delete(tx, key.Kind, key.Id); else Put(tx, key.Kind, key.Id, value);
            }
            tx.Commit();
            _snapshot = writer.Current;
            return result;
        }
    }

    public void Dispose() => _connection.Dispose();

    private void Put(SqliteTransaction tx, string kind, string id, byte[] json)
    {
        try
        {
            using var cmd = _connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO records (kind, id, blob) VALUES ($k, $i, $b) ON CONFLICT(kind, id) DO UPDATE SET blob = excluded.blob;";
            cmd.Parameters.AddWithValue("$k", kind);
            cmd.Parameters.AddWithValue("$i", id);
            cmd.Parameters.AddWithValue("$b", _sealer.Seal(json, SealPurpose.StoreRecord(kind, id)));
            cmd.ExecuteNonQuery();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(json);
        }
    }

    private void Delete(SqliteTransaction tx, string kind, string id)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = id == "*" ? "DELETE FROM records WHERE kind = $k;" : "DELETE FROM records WHERE kind = $k AND id = $i;";
        cmd.Parameters.AddWithValue("$k", kind);
        cmd.Parameters.AddWithValue("$i", id);
        cmd.ExecuteNonQuery();
    }

    private static Snapshot Load(SqliteConnection connection, SecretSealer sealer)
    {
        PartitionRecord? partition = null;
        var users = ImmutableSortedDictionary.CreateBuilder<string, UserRecord>(StringComparer.Ordinal);
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
                throw new DataDirectoryException($"Record {kind}/{id} in {FileName} failed authentication: the data directory was tampered with or belongs to another node.");
            }
            try
            {
                switch (kind)
                {
                    case PartitionKind:
                        partition = JsonSerializer.Deserialize(json, StorageJsonContext.Default.PartitionRecord);
                        break;
                    case UserKind:
                        var user = JsonSerializer.Deserialize(json, StorageJsonContext.Default.UserRecord)!;
                        if (user.Name != id) throw new DataDirectoryException($"Record {kind}/{id} names another user: the data directory was tampered with.");
                        users[id] = user;
                        break;
                    default:
                        throw new DataDirectoryException($"Unknown record kind '{kind}' in {FileName}.");
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(json);
            }
        }
        return new Snapshot(partition, users.ToImmutable());
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
        public List<((string Kind, string Id) Key, byte[]? Value)> Changes { get; } = [];

        public PartitionRecord? Partition => Current.Partition;

        public UserRecord? FindUser(string name) => Current.Users.GetValueOrDefault(name);

        public IReadOnlyList<UserRecord> ListUsers() => Current.Users.Values.ToList();

        public void SetPartition(PartitionRecord partition)
        {
            Current = Current with { Partition = partition };
            Changes.Add(((PartitionKind, PartitionId), JsonSerializer.SerializeToUtf8Bytes(partition, StorageJsonContext.Default.PartitionRecord)));
        }

        public void PutUser(UserRecord user)
        {
            Current = Current with { Users = Current.Users.SetItem(user.Name, user) };
            Changes.Add(((UserKind, user.Name), JsonSerializer.SerializeToUtf8Bytes(user, StorageJsonContext.Default.UserRecord)));
        }

        public void RemoveUser(string name)
        {
            Current = Current with { Users = Current.Users.Remove(name) };
            Changes.Add(((UserKind, name), null));
        }

        public void RemoveAllUsers()
        {
            Current = Current with { Users = Current.Users.Clear() };
            Changes.Add(((UserKind, "*"), null));
        }
    }
}
