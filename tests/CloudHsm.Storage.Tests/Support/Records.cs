using System.Security.Cryptography;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Users;
using Microsoft.Data.Sqlite;

namespace CloudHsm.Storage.Tests.Support;

/// <summary>Sample records, and raw access to the store's <c>records</c> table as an attacker with the file would have.</summary>
internal static class Records
{
    public static PartitionRecord Partition(string serial = "00AA11BB22CC33DD") => new()
    {
        SerialNumber = serial,
        Status = PartitionStatus.NotActivated,
        Policy = new PartitionPolicy { MaxUsers = 9 },
        CreatedAt = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero),
        IdentityPublicKey = RandomNumberGenerator.GetBytes(40),
        SealedIdentityKey = RandomNumberGenerator.GetBytes(60),
        NextUserId = 3,
        AppliedCommands = 2,
    };

    public static UserRecord User(int id, string name, UserType type = UserType.CU) => new()
    {
        Id = id,
        Name = name,
        Type = type,
        PasswordHash = RandomNumberGenerator.GetBytes(82),
        FailedLogins = 2,
        CreatedAt = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero),
    };

    public static SqliteConnection OpenRaw(TempDataDirectory data)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = data.File(SqlitePartitionStore.FileName),
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    public static List<(string Kind, string Id, byte[] Blob)> ReadRows(TempDataDirectory data)
    {
        using var connection = OpenRaw(data);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT kind, id, blob FROM records ORDER BY kind, id;";
        using var reader = cmd.ExecuteReader();
        var rows = new List<(string, string, byte[])>();
        while (reader.Read()) rows.Add((reader.GetString(0), reader.GetString(1), (byte[])reader[2]));
        return rows;
    }

    public static void WriteBlob(TempDataDirectory data, string kind, string id, byte[] blob)
    {
        using var connection = OpenRaw(data);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "UPDATE records SET blob = $b WHERE kind = $k AND id = $i;";
        cmd.Parameters.AddWithValue("$b", blob);
        cmd.Parameters.AddWithValue("$k", kind);
        cmd.Parameters.AddWithValue("$i", id);
        if (cmd.ExecuteNonQuery() != 1) throw new InvalidOperationException($"no row {kind}/{id}");
    }
}
