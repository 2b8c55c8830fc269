using CloudHsm.Core.Keys;
using CloudHsm.Core.Sealing;
using CloudHsm.Storage.Tests.Support;

namespace CloudHsm.Storage.Tests;

/// <summary>Keys in the sealed store: indexed finds, pagination, persistence, and tampering refused.</summary>
public sealed class SqliteKeyTableTests : IDisposable
{
    private readonly TempDataDirectory _data = new();
    private readonly byte[] _secret = DomainKeys.NewSecret();
    private readonly List<DomainKeys> _keys = [];

    [Fact]
    public void Keys_AreFoundByHandleLabelIdOwnerAndShare_AndSurviveReopen()
    {
        using (var store = Open())
        {
            store.Apply(w =>
            {
                w.PutKey(Key(1, "alice", "signing", [1]));
                w.PutKey(Key(2, "alice", "wrapping", [2]));
                w.PutKey(Key(3, "bob", "signing", [3]) with { Shares = ["alice"] });
                return 0;
            });
        }

        using var reopened = Open();
        Assert.Equal(3, reopened.KeyCount);
        Assert.Equal("wrapping", reopened.FindKey(2)!.Label);
        Assert.Equal([1UL, 3UL], Handles(reopened.FindKeys(new KeyQuery { Label = "signing" })));
        Assert.Equal([2UL], Handles(reopened.FindKeys(new KeyQuery { Id = [2] })));
        Assert.Equal([1UL, 2UL], Handles(reopened.FindKeys(new KeyQuery { Owner = "alice" })));
        Assert.Equal([1UL, 2UL, 3UL], Handles(reopened.FindKeys(new KeyQuery { VisibleTo = "alice" })));
        Assert.Equal([3UL], Handles(reopened.FindKeys(new KeyQuery { VisibleTo = "bob" })));
        Assert.Empty(reopened.FindKeys(new KeyQuery { Class = ObjectClass.PrivateKey }));
    }

    [Fact]
    public void ObjectsWithoutAKeyType_AreFoundByClass_AndByNoKeyType()
    {
        using var store = Open();
        var certificate = new KeyRecord
        {
            Handle = 7,
            Owner = "alice",
            Attributes = AttributePolicy.ForNewObject(ObjectClass.Certificate,
                AttributeSet.Empty.With(AttributeId.CertificateType, AttributePolicy.X509CertificateType).With(AttributeId.Label, "signing"), AttributeSet.Empty),
            SealedMaterial = [1, 2, 3],
            CreatedAt = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero),
        };
        var rsa = Key(8, "alice", "signing", [8]) with
        {
            Attributes = AttributePolicy.ForNewKey(ObjectClass.PublicKey, KeyType.Rsa, AttributeSet.Empty.With(AttributeId.Label, "signing"), AttributePolicy.Origin.Generated),
        };
        store.Apply(w =>
        {
            w.PutKey(certificate);
            w.PutKey(rsa);
            return 0;
        });

        // CKK_RSA is 0, the number a record without a key type would read as: the certificate must not pass for an RSA key.
        Assert.Equal([8UL], Handles(store.FindKeys(new KeyQuery { KeyType = KeyType.Rsa })));
        Assert.Equal([7UL], Handles(store.FindKeys(new KeyQuery { Class = ObjectClass.Certificate, Label = "signing" })));
        Assert.Equal([7UL, 8UL], Handles(store.FindKeys(new KeyQuery { Label = "signing" })));
    }

    [Fact]
    public void UsageReport_CountsByClassAndStaleness_AsTheRecordsSay()
    {
        using var store = Open();
        var made = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
        store.Apply(w =>
        {
            w.PutKey(Key(1, "alice", "old", []));
            w.PutKey(Key(2, "alice", "used", []) with { LastUsedAt = made.AddDays(30) });
            w.PutKey(Key(3, "alice", "private", []) with
            {
                Attributes = AttributeSet.Empty.With(AttributeId.Class, (ulong)ObjectClass.PrivateKey).With(AttributeId.KeyType, (ulong)KeyType.Ec),
            });
            return 0;
        });

        var usage = store.CountKeyUsage(made.AddDays(10), 10);

        // The store's one grouped query agrees with the report made from the records themselves.
        Assert.Equal(new Core.Partition.KeyUsage(1, 0, 2, 2, 10), usage);
        Assert.Equal(usage, ((Core.Partition.IPartitionView)new RecordsOnly(store)).CountKeyUsage(made.AddDays(10), 10));
    }

    /// <summary>The store seen through its finds only, so the interface's record-by-record report runs.</summary>
    private sealed class RecordsOnly(SqlitePartitionStore store) : Core.Partition.IPartitionView
    {
        public Core.Partition.PartitionRecord? Partition => store.Partition;
        public Core.Users.UserRecord? FindUser(string name) => store.FindUser(name);
        public IReadOnlyList<Core.Users.UserRecord> ListUsers() => store.ListUsers();
        public KeyRecord? FindKey(ulong handle) => store.FindKey(handle);
        public IReadOnlyList<KeyRecord> FindKeys(KeyQuery query) => store.FindKeys(query);
        public int KeyCount => store.KeyCount;
    }

    [Fact]
    public void Find_Paginates_InHandleOrder()
    {
        using var store = Open();
        store.Apply(w =>
        {
            for (ulong h = 1; h <= 25; h++) w.PutKey(Key(h, "alice", "bulk", []));
            return 0;
        });

        var first = store.FindKeys(new KeyQuery { Label = "bulk", Limit = 10 });
        var second = store.FindKeys(new KeyQuery { Label = "bulk", Limit = 10, AfterHandle = first[^1].Handle });
        var third = store.FindKeys(new KeyQuery { Label = "bulk", Limit = 10, AfterHandle = second[^1].Handle });

        Assert.Equal(Enumerable.Range(1, 25).Select(i => (ulong)i), Handles(first).Concat(Handles(second)).Concat(Handles(third)));
    }

    [Fact]
    public void LabelsIdsAndOwners_AreNotStoredInClear()
    {
        using (var store = Open())
        {
            store.Apply(w =>
            {
                w.PutKey(Key(1, "alice-the-owner", "payroll-signing-key", "ID-BYTES-XYZ"u8.ToArray()));
                return 0;
            });
        }
        foreach (var file in Directory.GetFiles(_data.Path))
        {
            var text = System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(file));
            Assert.DoesNotContain("payroll-signing-key", text, StringComparison.Ordinal);
            Assert.DoesNotContain("alice-the-owner", text, StringComparison.Ordinal);
            Assert.DoesNotContain("ID-BYTES-XYZ", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RemovedAndAllRemovedKeys_LeaveTheCountRight_AndTheStoreOpens()
    {
        using (var store = Open())
        {
            store.Apply(w =>
            {
                w.PutKey(Key(1, "alice", "a", []));
                w.PutKey(Key(2, "alice", "b", []));
                return 0;
            });
            store.Apply(w =>
            {
                w.RemoveKey(1);
                w.PutKey(Key(2, "alice", "b-renamed", []));
                return 0;
            });
            Assert.Equal(1, store.KeyCount);
        }
        using (var store = Open())
        {
            Assert.Null(store.FindKey(1));
            Assert.Equal("b-renamed", store.FindKey(2)!.Label);
            store.Apply(w =>
            {
                w.RemoveAllKeys();
                w.PutKey(Key(9, "bob", "fresh", []));
                return 0;
            });
            Assert.Equal(1, store.KeyCount);
        }
        using var reopened = Open();
        Assert.Equal([9UL], Handles(reopened.FindKeys(new KeyQuery())));
    }

    [Fact]
    public void ARefusedChange_WritesNoKey()
    {
        using var store = Open();
        Assert.Throws<InvalidOperationException>(() => store.Apply<int>(w =>
        {
            w.PutKey(Key(1, "alice", "a", []));
            throw new InvalidOperationException("refused");
        }));

        Assert.Null(store.FindKey(1));
        Assert.Equal(0, store.KeyCount);
    }

    [Fact]
    public void DeletedKeyRow_StopsOpen()
    {
        using (var store = Open())
        {
            store.Apply(w =>
            {
                w.PutKey(Key(1, "alice", "a", []));
                w.PutKey(Key(2, "alice", "b", []));
                return 0;
            });
        }
        using (var connection = Records.OpenRaw(_data))
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "DELETE FROM keys WHERE handle = 2;";
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }

        Assert.Throws<DataDirectoryException>(Open);
    }

    [Fact]
    public void KeyBlobMovedToAnotherHandle_StopsOpen()
    {
        using (var store = Open())
        {
            store.Apply(w =>
            {
                w.PutKey(Key(1, "alice", "a", []));
                w.PutKey(Key(2, "bob", "b", []));
                return 0;
            });
        }
        using (var connection = Records.OpenRaw(_data))
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "UPDATE keys SET blob = (SELECT blob FROM keys WHERE handle = 1) WHERE handle = 2;";
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }

        // The integrity total no longer adds up, so the store does not open at all.
        Assert.Throws<DataDirectoryException>(Open);
    }

    public void Dispose()
    {
        foreach (var keys in _keys) keys.Dispose();
        _data.Dispose();
    }

    private static IEnumerable<ulong> Handles(IEnumerable<KeyRecord> keys) => keys.Select(k => k.Handle).ToList();

    private static KeyRecord Key(ulong handle, string owner, string label, byte[] id) => new()
    {
        Handle = handle,
        Owner = owner,
        Attributes = AttributePolicy.ForNewKey(ObjectClass.SecretKey, KeyType.Aes,
            AttributeSet.Empty.With(AttributeId.Label, label).With(AttributeId.Id, id), AttributePolicy.Origin.Generated),
        SealedMaterial = [1, 2, 3],
        CreatedAt = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero),
    };

    private SqlitePartitionStore Open()
    {
        var keys = new DomainKeys(_secret);
        _keys.Add(keys);
        return SqlitePartitionStore.Open(_data.Path, keys);
    }
}
