using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Users;
using CloudHsm.Storage.Tests.Support;

namespace CloudHsm.Storage.Tests;

/// <summary>The sealed SQLite store: what it wrote comes back, and any edit of the file stops it from opening.</summary>
public sealed class SqlitePartitionStoreTests : IDisposable
{
    private readonly TempDataDirectory _data = new();
    private readonly byte[] _secret = DomainKeys.NewSecret();
    private readonly List<DomainKeys> _keys = [];

    [Fact]
    public void Records_SurviveReopen()
    {
        var partition = Records.Partition();
        var alice = Records.User(2, "alice") with { Restrictions = UserRestrictions.NoExport, OfficerAccessDisabled = true };
        var bob = Records.User(3, "bob", UserType.AU);
        using (var store = Open())
        {
            store.Apply(w =>
            {
                w.SetPartition(partition);
                w.PutUser(alice);
                w.PutUser(bob);
                return 0;
            });
        }

        using var reopened = Open();

        AssertSamePartition(partition, reopened.Partition);
        AssertSameUser(alice, reopened.FindUser("alice"));
        AssertSameUser(bob, reopened.FindUser("bob"));
        Assert.Equal(2, reopened.ListUsers().Count);
    }

    [Fact]
    public void RemovedUsers_StayRemovedAfterReopen()
    {
        using (var store = Open())
        {
            store.Apply(w =>
            {
                w.SetPartition(Records.Partition());
                w.PutUser(Records.User(2, "alice"));
                w.PutUser(Records.User(3, "bob"));
                w.PutUser(Records.User(4, "carol"));
                return 0;
            });
            store.Apply(w =>
            {
                w.RemoveUser("bob");
                return 0;
            });
        }
        using (var store = Open())
        {
            Assert.Equal(["alice", "carol"], store.ListUsers().Select(u => u.Name).Order());
            store.Apply(w =>
            {
                w.RemoveAllUsers();
                w.PutUser(Records.User(5, "dave"));
                return 0;
            });
        }

        using var reopened = Open();
        Assert.Equal("dave", Assert.Single(reopened.ListUsers()).Name);
    }

    [Theory]
    [InlineData("partition", "current", 0)]
    [InlineData("partition", "current", 20)]
    [InlineData("user", "alice", -1)]
    public void FlippedByteInASealedRecord_StopsOpen(string kind, string id, int index)
    {
        WriteSample();
        var blob = Records.ReadRows(_data).Single(r => r.Kind == kind && r.Id == RowId(kind, id)).Blob;
        blob[index < 0 ? blob.Length + index : index] ^= 0x01;
        Records.WriteBlob(_data, kind, RowId(kind, id), blob);

        Assert.Throws<DataDirectoryException>(Open);
    }

    [Fact]
    public void RecordMovedToAnotherUsersRow_StopsOpen()
    {
        WriteSample();
        var rows = Records.ReadRows(_data);
        Records.WriteBlob(_data, "user", RowId("user", "bob"), rows.Single(r => r.Id == RowId("user", "alice")).Blob);

        Assert.Throws<DataDirectoryException>(Open);
    }

    [Fact]
    public void StoreUnderAnotherDomainKey_DoesNotOpen()
    {
        WriteSample();
        using var otherKeys = new DomainKeys(DomainKeys.NewSecret());

        Assert.Throws<DataDirectoryException>(() => SqlitePartitionStore.Open(_data.Path, otherKeys).Dispose());
    }

    [Fact]
    public void ThrowInsideApply_LeavesStateAndDiskUnchanged()
    {
        using var store = Open();
        store.Apply(w =>
        {
            w.SetPartition(Records.Partition());
            w.PutUser(Records.User(2, "alice"));
            return 0;
        });
        var partitionBefore = store.Partition;
        var aliceBefore = store.FindUser("alice");
        var filesBefore = ReadDatabaseFiles();
        var rowsBefore = Records.ReadRows(_data);

        Assert.Throws<HsmException>(() => store.Apply<int>(w =>
        {
            w.PutUser(Records.User(3, "bob"));
            w.RemoveUser("alice");
            w.SetPartition(Records.Partition("FFFFFFFFFFFFFFFF"));
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "refused halfway");
        }));

        Assert.Same(partitionBefore, store.Partition);
        Assert.Same(aliceBefore, store.FindUser("alice"));
        Assert.Null(store.FindUser("bob"));
        Assert.Equal(filesBefore, ReadDatabaseFiles());
        Assert.Equal(rowsBefore.Select(Row), Records.ReadRows(_data).Select(Row));
        store.Dispose();
        using var reopened = Open();
        Assert.Equal("00AA11BB22CC33DD", reopened.Partition!.SerialNumber);
        Assert.Equal(["alice"], reopened.ListUsers().Select(u => u.Name));
    }

    [Fact]
    public void OlderCopyOfARecord_StopsOpen()
    {
        WriteSample();
        var unlocked = Records.ReadRows(_data).Single(r => r.Id == RowId("user", "alice")).Blob;
        using (var store = Open())
        {
            store.Apply(w =>
            {
                w.PutUser(w.FindUser("alice")! with { Locked = true });
                return 0;
            });
        }

        Records.WriteBlob(_data, "user", RowId("user", "alice"), unlocked);

        Assert.Throws<DataDirectoryException>(Open);
    }

    [Fact]
    public void RemovedRecord_StopsOpen()
    {
        WriteSample();
        using (var connection = Records.OpenRaw(_data))
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "DELETE FROM records WHERE kind = 'user' AND id = $i;";
            cmd.Parameters.AddWithValue("$i", RowId("user", "bob"));
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }

        Assert.Throws<DataDirectoryException>(Open);
    }

    [Fact]
    public void UserNames_AreNotRowIds()
    {
        WriteSample();

        Assert.DoesNotContain(Records.ReadRows(_data), r => r.Id is "alice" or "bob");
    }

    [Fact]
    public void DatabaseFiles_AreReadableByTheirOwnerOnly()
    {
        if (OperatingSystem.IsWindows()) return;
        using var store = Open();
        store.Apply(w =>
        {
            w.SetPartition(Records.Partition());
            return 0;
        });

        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_data.File(SqlitePartitionStore.FileName + suffix)));
        }
    }

    public void Dispose()
    {
        foreach (var keys in _keys) keys.Dispose();
        _data.Dispose();
    }

    private string RowId(string kind, string logicalId)
    {
        using var keys = new DomainKeys(_secret);
        return SqlitePartitionStore.RowId(keys, kind, logicalId);
    }

    private SqlitePartitionStore Open()
    {
        var keys = new DomainKeys(_secret);
        _keys.Add(keys);
        return SqlitePartitionStore.Open(_data.Path, keys);
    }

    private void WriteSample()
    {
        using var store = Open();
        store.Apply(w =>
        {
            w.SetPartition(Records.Partition());
            w.PutUser(Records.User(2, "alice"));
            w.PutUser(Records.User(3, "bob"));
            return 0;
        });
    }

    private Dictionary<string, byte[]> ReadDatabaseFiles() =>
        new[] { SqlitePartitionStore.FileName, SqlitePartitionStore.FileName + "-wal" }
            .Where(name => File.Exists(_data.File(name)))
            .ToDictionary(name => name, name => File.ReadAllBytes(_data.File(name)));

    private static string Row((string Kind, string Id, byte[] Blob) row) => $"{row.Kind}/{row.Id}/{Convert.ToHexString(row.Blob)}";

    private static void AssertSamePartition(PartitionRecord expected, PartitionRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(
            (expected.SerialNumber, expected.Status, expected.Policy, expected.CreatedAt, expected.NextUserId, expected.AppliedCommands),
            (actual.SerialNumber, actual.Status, actual.Policy, actual.CreatedAt, actual.NextUserId, actual.AppliedCommands));
        Assert.Equal(expected.IdentityPublicKey, actual.IdentityPublicKey);
        Assert.Equal(expected.SealedIdentityKey, actual.SealedIdentityKey);
    }

    private static void AssertSameUser(UserRecord expected, UserRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { PasswordHash = [] }, actual with { PasswordHash = [] }, UserComparer.Instance);
        Assert.Equal(expected.PasswordHash, actual.PasswordHash);
    }

    /// <summary>Compares users field by field, leaving out the password hash (compared as bytes).</summary>
    private sealed class UserComparer : IEqualityComparer<UserRecord>
    {
        public static readonly UserComparer Instance = new();

        public bool Equals(UserRecord? x, UserRecord? y) => x is not null && y is not null
            && (x.Id, x.Name, x.Type, x.FailedLogins, x.Locked, x.Restrictions, x.OfficerAccessDisabled, x.CreatedAt, x.LastLoginAt)
            == (y.Id, y.Name, y.Type, y.FailedLogins, y.Locked, y.Restrictions, y.OfficerAccessDisabled, y.CreatedAt, y.LastLoginAt);

        public int GetHashCode(UserRecord obj) => obj.Id;
    }
}
