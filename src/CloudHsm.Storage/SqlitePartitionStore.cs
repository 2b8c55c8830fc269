using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using CloudHsm.Core.Keys;
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
public sealed partial class SqlitePartitionStore : IPartitionStore, IDisposable
{
    public const string FileName = "partition.db";
    private const string PartitionKind = "partition";
    private const string PartitionId = "current";
    private const string UserKind = "user";
    private const string IntegrityKind = "integrity";
    private const string RequestKind = "request";
    private const string ReplicationKind = "replication";
    private const string AppliedIndexId = "applied";

    private readonly SqliteConnection _connection;
    private readonly SecretSealer _sealer;
    private readonly DomainKeys _keys;
    private readonly Lock _writeLock = new();
    private readonly Lock _dbLock = new();
    private readonly SqliteKeyTable _keyTable;
    private int _keyCount;
    private volatile Snapshot _snapshot;
    private RecordIntegrityTotal _integrity;

    private sealed record Snapshot(PartitionRecord? Partition, ImmutableSortedDictionary<string, UserRecord> Users,
        ImmutableDictionary<string, Core.Commands.AppliedRequest> Requests, long AppliedIndex)
    {
        /// <summary>The applied request ids by time, so forgetting the old ones does not scan them all.</summary>
        public ImmutableSortedSet<(DateTimeOffset At, string Id)> RequestsByTime { get; init; } =
            ImmutableSortedSet.CreateRange(Requests.Values.Select(r => (r.At, r.Id)));
    }

    private SqlitePartitionStore(SqliteConnection connection, DomainKeys keys, Snapshot snapshot, RecordIntegrityTotal integrity, SqliteKeyTable keyTable)
    {
        _keyTable = keyTable;
        _keyCount = keyTable.Count();
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
        SqliteKeyTable.CreateSchema(connection);
        try
        {
            var keyTable = new SqliteKeyTable(connection, keys);
            var (snapshot, integrity) = Load(connection, keys, keyTable);
            return new SqlitePartitionStore(connection, keys, snapshot, integrity, keyTable);
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

    public KeyRecord? FindKey(ulong handle)
    {
        lock (_dbLock) return _keyTable.Find(handle);
    }

    public IReadOnlyList<KeyRecord> FindKeys(KeyQuery query) => QueryKeys(query, query.Limit);

    public int KeyCount => Volatile.Read(ref _keyCount);

    public Core.Commands.AppliedRequest? FindAppliedRequest(string id) => _snapshot.Requests.GetValueOrDefault(id);

    /// <summary>The index of the last replicated log entry applied to this store (0 on a standalone node).</summary>
    public long AppliedIndex => _snapshot.AppliedIndex;

    public KeyUsage CountKeyUsage(DateTimeOffset staleBefore, int staleDays)
    {
        lock (_dbLock) return _keyTable.CountUsage(staleBefore, staleDays);
    }

    private List<KeyRecord> QueryKeys(KeyQuery query, int limit)
    {
        lock (_dbLock) return _keyTable.Query(query, limit);
    }

    public T Apply<T>(Func<IPartitionWriter, T> change) => Apply(change, appliedIndex: null);

    /// <summary>
    /// Applies a change and, in the same transaction, records the replicated log index it came from, so that
    /// after a restart the log's replay skips what the store already holds.
    /// </summary>
    public T Apply<T>(Func<IPartitionWriter, T> change, long? appliedIndex)
    {
        lock (_writeLock)
        {
            var writer = new StagingWriter(_snapshot, this);
            var result = change(writer);
            if (appliedIndex is { } index) writer.SetAppliedIndex(index);
            var integrity = _integrity.Clone();
            lock (_dbLock)
            {
                Commit(writer, integrity);
            }
            _integrity = integrity;
            _snapshot = writer.Current;
            Interlocked.Add(ref _keyCount, writer.KeyCountDelta);
            return result;
        }
    }

    private void Commit(StagingWriter writer, RecordIntegrityTotal integrity)
    {
        using var tx = _connection.BeginTransaction();
        {
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
            foreach (var (handle, key) in writer.KeyChanges)
            {
                if (handle == StagingWriter.AllKeys)
                {
                    Execute(_connection, tx, "DELETE FROM keys; DELETE FROM key_shares;");
                    integrity.ClearUntracked();
                    continue;
                }
                var rowId = SqliteKeyTable.RowId(handle);
                if (_keyTable.ReadBlob(tx, handle) is { } old) integrity.SubtractUntracked(SqliteKeyTable.Kind, rowId, old);
                if (key is not null) integrity.AddUntracked(SqliteKeyTable.Kind, rowId, _keyTable.Put(tx, key));
                else _keyTable.Delete(tx, handle);
            }
            WriteRow(tx, IntegrityKind, IntegrityKind, integrity.Encode());
            tx.Commit();
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

    private static (Snapshot, RecordIntegrityTotal) Load(SqliteConnection connection, DomainKeys keys, SqliteKeyTable keyTable, SqliteTransaction? tx = null)
    {
        var sealer = keys.Records;
        PartitionRecord? partition = null;
        var users = ImmutableSortedDictionary.CreateBuilder<string, UserRecord>(StringComparer.Ordinal);
        var requests = ImmutableDictionary.CreateBuilder<string, Core.Commands.AppliedRequest>(StringComparer.Ordinal);
        long appliedIndex = 0;
        var integrity = new RecordIntegrityTotal(keys.RecordIntegrity);
        System.Numerics.BigInteger? expectedTotal = null;
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
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
                    case RequestKind:
                        var request = JsonSerializer.Deserialize(json, StorageJsonContext.Default.AppliedRequest)!;
                        RequireId(keys, kind, request.Id, id);
                        requests[request.Id] = request;
                        break;
                    case ReplicationKind:
                        RequireId(keys, kind, AppliedIndexId, id);
                        appliedIndex = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(json);
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
        keyTable.AddAllTo(integrity, tx);
        if (expectedTotal is null ? partition is not null || users.Count > 0 || !integrity.Total.IsZero : expectedTotal != integrity.Total)
        {
            throw new DataDirectoryException($"The records in {FileName} do not add up to their sealed integrity total: a record was removed, re-inserted or replaced by an older copy.");
        }
        return (new Snapshot(partition, users.ToImmutable(), requests.ToImmutable(), appliedIndex), integrity);
    }

    private static void RequireId(DomainKeys keys, string kind, string logicalId, string rowId)
    {
        if (RowId(keys, kind, logicalId) != rowId)
        {
            throw new DataDirectoryException($"A {kind} record in {FileName} sits under another record's id: the data directory was tampered with.");
        }
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Collects the writes of one apply over the current snapshot; nothing reaches disk until commit.</summary>
    private sealed class StagingWriter(Snapshot start, SqlitePartitionStore store) : IPartitionWriter
    {
        /// <summary>A handle no key can have: marks "remove every key" in <see cref="KeyChanges"/>.</summary>
        public const ulong AllKeys = ulong.MaxValue;

        private readonly Dictionary<ulong, KeyRecord?> _pendingKeys = [];
        private bool _allKeysRemoved;

        public Snapshot Current { get; private set; } = start;
        public List<(ulong Handle, KeyRecord? Key)> KeyChanges { get; } = [];
        public int KeyCountDelta { get; private set; }

        public int KeyCount => store.KeyCount + KeyCountDelta;

        public KeyRecord? FindKey(ulong handle) =>
            _pendingKeys.TryGetValue(handle, out var pending) ? pending : _allKeysRemoved ? null : store.FindKey(handle);

        public IReadOnlyList<KeyRecord> FindKeys(KeyQuery query)
        {
            var stored = _allKeysRemoved ? [] : store.QueryKeys(query, query.Limit + _pendingKeys.Count);
            return stored.Where(k => !_pendingKeys.ContainsKey(k.Handle))
                .Concat(_pendingKeys.Values.OfType<KeyRecord>().Where(query.Matches))
                .OrderBy(k => k.Handle).Take(query.Limit).ToList();
        }

        public void PutKey(KeyRecord key)
        {
            if (FindKey(key.Handle) is null) KeyCountDelta++;
            _pendingKeys[key.Handle] = key;
            KeyChanges.Add((key.Handle, key));
        }

        public void RemoveKey(ulong handle)
        {
            if (FindKey(handle) is not null) KeyCountDelta--;
            _pendingKeys[handle] = null;
            KeyChanges.Add((handle, null));
        }

        public void RemoveAllKeys()
        {
            KeyCountDelta = -store.KeyCount;
            _pendingKeys.Clear();
            _allKeysRemoved = true;
            KeyChanges.Add((AllKeys, null));
        }
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

        public Core.Commands.AppliedRequest? FindRequest(string id) => Current.Requests.GetValueOrDefault(id);

        public void PutRequest(Core.Commands.AppliedRequest request)
        {
            var byTime = Current.Requests.TryGetValue(request.Id, out var previous) ? Current.RequestsByTime.Remove((previous.At, previous.Id)) : Current.RequestsByTime;
            Current = Current with { Requests = Current.Requests.SetItem(request.Id, request), RequestsByTime = byTime.Add((request.At, request.Id)) };
            Changes.Add((RequestKind, request.Id, JsonSerializer.SerializeToUtf8Bytes(request, StorageJsonContext.Default.AppliedRequest)));
        }

        public void RemoveRequestsBefore(DateTimeOffset before)
        {
            while (Current.RequestsByTime.Count > 0 && Current.RequestsByTime.Min is var (at, id) && at < before)
            {
                Current = Current with { Requests = Current.Requests.Remove(id), RequestsByTime = Current.RequestsByTime.Remove((at, id)) };
                Changes.Add((RequestKind, id, null));
            }
        }

        public void SetAppliedIndex(long index)
        {
            Current = Current with { AppliedIndex = index };
            var bytes = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, index);
            Changes.Add((ReplicationKind, AppliedIndexId, bytes));
        }
    }
}
