using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sealing;
using Microsoft.Data.Sqlite;

namespace CloudHsm.Storage;

/// <summary>
/// Keys in their own table, so that a million of them cost no memory and lookups use indexes: class
/// and type in clear, label, ID, owner and shares as keyed pseudonyms (HMAC) that reveal nothing,
/// and the whole record sealed (AES-256-GCM, the handle in the associated data). Query results are
/// opened and matched again, so a swapped index column cannot smuggle a key into a result.
/// </summary>
internal sealed class SqliteKeyTable(SqliteConnection connection, DomainKeys keys)
{
    public const string Kind = "key";

    public static void CreateSchema(SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE IF NOT EXISTS keys (handle INTEGER PRIMARY KEY, class INTEGER NOT NULL, key_type INTEGER NOT NULL,
                label_tag TEXT NOT NULL, id_tag TEXT NOT NULL, owner_tag TEXT NOT NULL, kcv_tag TEXT NOT NULL,
                active_at INTEGER NOT NULL, blob BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS keys_label ON keys (label_tag, handle);
            CREATE INDEX IF NOT EXISTS keys_id ON keys (id_tag, handle);
            CREATE INDEX IF NOT EXISTS keys_owner ON keys (owner_tag, handle);
            CREATE INDEX IF NOT EXISTS keys_kcv ON keys (kcv_tag, handle);
            CREATE TABLE IF NOT EXISTS key_shares (handle INTEGER NOT NULL, user_tag TEXT NOT NULL, PRIMARY KEY (handle, user_tag)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS key_shares_user ON key_shares (user_tag, handle);
            """;
        cmd.ExecuteNonQuery();
    }

    public static string RowId(ulong handle) => handle.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes a key; returns the sealed blob (for the integrity total).</summary>
    public byte[] Put(SqliteTransaction tx, KeyRecord key)
    {
        var json = KeyRecordDocument.Serialize(key);
        byte[] blob;
        try
        {
            blob = keys.Records.Seal(json, SealPurpose.StoreRecord(Kind, RowId(key.Handle)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(json);
        }
        Delete(tx, key.Handle);
        Execute(tx, "INSERT INTO keys (handle, class, key_type, label_tag, id_tag, owner_tag, kcv_tag, active_at, blob) VALUES ($h, $c, $t, $l, $i, $o, $k, $a, $b);",
            ("$h", (long)key.Handle), ("$c", (long)key.Class), ("$t", KeyTypeColumn(key)), ("$l", LabelTag(key.Label)),
            ("$i", IdTag(key.Id)), ("$o", UserTag(key.Owner)), ("$k", KcvTag(key.Kcv)), ("$a", key.LastActivity.ToUnixTimeSeconds()), ("$b", blob));
        foreach (var user in key.Shares.Distinct())
        {
            Execute(tx, "INSERT INTO key_shares (handle, user_tag) VALUES ($h, $u);", ("$h", (long)key.Handle), ("$u", UserTag(user)));
        }
        return blob;
    }

    public void Delete(SqliteTransaction tx, ulong handle)
    {
        Execute(tx, "DELETE FROM keys WHERE handle = $h;", ("$h", (long)handle));
        Execute(tx, "DELETE FROM key_shares WHERE handle = $h;", ("$h", (long)handle));
    }

    /// <summary>The sealed blob of a key as stored, or null.</summary>
    public byte[]? ReadBlob(SqliteTransaction tx, ulong handle)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT blob FROM keys WHERE handle = $h;";
        cmd.Parameters.AddWithValue("$h", (long)handle);
        return cmd.ExecuteScalar() as byte[];
    }

    public KeyRecord? Find(ulong handle)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT blob FROM keys WHERE handle = $h;";
        cmd.Parameters.AddWithValue("$h", (long)handle);
        return cmd.ExecuteScalar() is byte[] blob ? Open(handle, blob) : null;
    }

    public List<KeyRecord> Query(KeyQuery query, int limit)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT k.handle, k.blob FROM keys k WHERE " + Where(cmd, query) + " ORDER BY k.handle LIMIT $n;";
        cmd.Parameters.AddWithValue("$n", limit);
        var result = new List<KeyRecord>();
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var key = Open((ulong)reader.GetInt64(0), (byte[])reader[1]);
            if (query.Matches(key)) result.Add(key);
        }
        return result;
    }

    /// <summary>Keys by class and the stale ones, from the clear columns in one pass (no record is opened).</summary>
    public KeyUsage CountUsage(DateTimeOffset staleBefore, int staleDays)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT class, COUNT(*), TOTAL(active_at < $u) FROM keys GROUP BY class;";
        cmd.Parameters.AddWithValue("$u", staleBefore.ToUnixTimeSeconds());
        var byClass = new Dictionary<ObjectClass, int>();
        var stale = 0;
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            byClass[(ObjectClass)reader.GetInt64(0)] = reader.GetInt32(1);
            stale += (int)reader.GetDouble(2);
        }
        return new KeyUsage(byClass.GetValueOrDefault(ObjectClass.PrivateKey), byClass.GetValueOrDefault(ObjectClass.PublicKey),
            byClass.GetValueOrDefault(ObjectClass.SecretKey), stale, staleDays);
    }

    private string Where(SqliteCommand cmd, KeyQuery query)
    {
        var sql = new StringBuilder("k.handle > $after");
        cmd.Parameters.AddWithValue("$after", (long)query.AfterHandle);
        if (query.Class is { } c) { sql.Append(" AND k.class = $c"); cmd.Parameters.AddWithValue("$c", (long)c); }
        if (query.KeyType is { } t) { sql.Append(" AND k.key_type = $t"); cmd.Parameters.AddWithValue("$t", (long)t); }
        if (query.Label is { } l) { sql.Append(" AND k.label_tag = $l"); cmd.Parameters.AddWithValue("$l", LabelTag(l)); }
        if (query.Id is { } i) { sql.Append(" AND k.id_tag = $i"); cmd.Parameters.AddWithValue("$i", IdTag(i)); }
        if (query.Kcv is { } k) { sql.Append(" AND k.kcv_tag = $k"); cmd.Parameters.AddWithValue("$k", KcvTag(k)); }
        if (query.UnusedSince is { } u) { sql.Append(" AND k.active_at < $u"); cmd.Parameters.AddWithValue("$u", u.ToUnixTimeSeconds()); }
        if (query.Owner is { } o) { sql.Append(" AND k.owner_tag = $o"); cmd.Parameters.AddWithValue("$o", UserTag(o)); }
        if (query.VisibleTo is { } v)
        {
            sql.Append(" AND (k.owner_tag = $v OR EXISTS (SELECT 1 FROM key_shares s WHERE s.handle = k.handle AND s.user_tag = $v))");
            cmd.Parameters.AddWithValue("$v", UserTag(v));
        }
        return sql.ToString();
    }

    public int Count()
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM keys;";
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Adds every key row's digest to the integrity total (no decryption: cheap at start).</summary>
    public void AddAllTo(RecordIntegrityTotal integrity, SqliteTransaction? tx = null)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT handle, blob FROM keys;";
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) integrity.AddUntracked(Kind, RowId((ulong)reader.GetInt64(0)), (byte[])reader[1]);
    }

    private KeyRecord Open(ulong handle, byte[] blob)
    {
        if (!keys.Records.TryUnseal(blob, SealPurpose.StoreRecord(Kind, RowId(handle)), out var json))
        {
            throw new DataDirectoryException($"A key record in {SqlitePartitionStore.FileName} failed authentication: the data directory was tampered with.");
        }
        try
        {
            var key = KeyRecordDocument.Deserialize(json);
            if (key.Handle != handle) throw new DataDirectoryException($"A key record in {SqlitePartitionStore.FileName} sits under another handle.");
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(json);
        }
    }

    /// <summary>The key type, or -1 for an object that has none (certificates, data objects), so that no type query finds it.</summary>
    private static long KeyTypeColumn(KeyRecord key) => key.Attributes.Number(AttributeId.KeyType) is { } type ? (long)type : -1;

    private string LabelTag(string label) => keys.RecordIds.Pseudonym("label/" + label);

    private string IdTag(byte[] id) => keys.RecordIds.Pseudonym("id/" + Convert.ToHexString(id));

    private string KcvTag(byte[] kcv) => keys.RecordIds.Pseudonym("kcv/" + Convert.ToHexString(kcv));

    private string UserTag(string user) => keys.RecordIds.Pseudonym("user/" + user);

    private void Execute(SqliteTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        cmd.ExecuteNonQuery();
    }
}
