using CloudHsm.Core.Commands;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Sealing;
using CloudHsm.Storage.Tests.Support;

namespace CloudHsm.Storage.Tests;

/// <summary>
/// What the cluster relies on in the store: the applied log index and the applied request ids are kept with the
/// state, and a snapshot carries the whole state to a replica of the same partition and to no other.
/// </summary>
public sealed class ReplicationSnapshotTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDataDirectory _source = new();
    private readonly TempDataDirectory _replica = new();
    private readonly byte[] _secret = DomainKeys.NewSecret();
    private readonly List<DomainKeys> _keys = [];
    private readonly Core.Partition.PartitionRecord _partition = Records.Partition();
    private readonly Core.Users.UserRecord _alice = Records.User(2, "alice");

    [Fact]
    public void AppliedIndexAndRequestIds_SurviveReopen()
    {
        using (var store = Open(_source))
        {
            Fill(store);
        }

        using var reopened = Open(_source);

        Assert.Equal(42, reopened.AppliedIndex);
        Assert.Equal([7UL], reopened.Apply(w => w.FindRequest("client-call-1"))!.Handles);
    }

    [Fact]
    public void ASnapshotMakesAnEqualReplica_OfUsersKeysRequestsAndIndex()
    {
        using var source = Open(_source);
        Fill(source);
        using var snapshot = new MemoryStream();
        source.WriteSnapshot(snapshot, index: 50);

        using var replica = Open(_replica);
        snapshot.Position = 0;
        Assert.Equal(50, SqlitePartitionStore.ReadSnapshotIndex(snapshot));
        snapshot.Position = 0;
        replica.ReplaceWithSnapshot(snapshot);

        Assert.Equal(50, replica.AppliedIndex);
        Assert.Equal(source.ContentDigests(), replica.ContentDigests());
        Assert.Equal(2, replica.KeyCount);
        Assert.Equal("k7", replica.FindKey(7)!.Label);
        Assert.NotNull(replica.Apply(w => w.FindRequest("client-call-1")));
        replica.Dispose();
        using var reopened = Open(_replica);
        Assert.Equal(source.ContentDigests(), reopened.ContentDigests());
    }

    [Fact]
    public void ASnapshotOfAnotherPartition_IsRefusedAndChangesNothing()
    {
        using var source = Open(_source);
        Fill(source);
        using var snapshot = new MemoryStream();
        source.WriteSnapshot(snapshot, index: 50);
        using var foreignKeys = new DomainKeys(DomainKeys.NewSecret());
        using var other = SqlitePartitionStore.Open(_replica.Path, foreignKeys);
        other.Apply(w =>
        {
            w.SetPartition(Records.Partition("FFEEDDCCBBAA9988"));
            return 0;
        });
        var before = other.ContentDigests();

        snapshot.Position = 0;
        Assert.Throws<DataDirectoryException>(() => other.ReplaceWithSnapshot(snapshot));

        Assert.Equal(before, other.ContentDigests());
        Assert.Equal("FFEEDDCCBBAA9988", other.Partition!.SerialNumber);
    }

    [Fact]
    public void ContentDigests_DifferWhenARecordDiffers()
    {
        using var a = Open(_source);
        using var b = Open(_replica);
        Fill(a);
        Fill(b);
        Assert.Equal(a.ContentDigests(), b.ContentDigests());

        b.Apply(w =>
        {
            w.PutKey(w.FindKey(7)! with { Shares = ["bob"] });
            return 0;
        });

        var differing = a.ContentDigests().Zip(b.ContentDigests()).Where(p => p.First != p.Second).ToList();
        Assert.Equal(("key", "7"), (Assert.Single(differing).First.Kind, differing[0].First.Name));
    }

    [Fact]
    public void OldRequestIds_AreForgotten()
    {
        using var store = Open(_source);
        Fill(store);
        store.Apply(w =>
        {
            w.PutRequest(new AppliedRequest("client-call-2", At.AddMinutes(10), []));
            w.RemoveRequestsBefore(At.AddMinutes(5));
            return 0;
        });

        Assert.Null(store.Apply(w => w.FindRequest("client-call-1")));
        Assert.NotNull(store.Apply(w => w.FindRequest("client-call-2")));
    }

    private void Fill(SqlitePartitionStore store) => store.Apply(w =>
    {
        w.SetPartition(_partition);
        w.PutUser(_alice);
        w.PutKey(Key(7, "alice"));
        w.PutKey(Key(8, "alice"));
        w.PutRequest(new AppliedRequest("client-call-1", At, [7]));
        return 0;
    }, appliedIndex: 42);

    private static KeyRecord Key(ulong handle, string owner) => new()
    {
        Handle = handle,
        Owner = owner,
        Attributes = AttributePolicy.ForNewKey(ObjectClass.SecretKey, KeyType.Aes,
            AttributeSet.Empty.With(AttributeId.Label, "k" + handle), AttributePolicy.Origin.Generated),
        SealedMaterial = [1, 2, 3],
        CreatedAt = At,
    };

    private SqlitePartitionStore Open(TempDataDirectory data)
    {
        var keys = new DomainKeys(_secret);
        _keys.Add(keys);
        return SqlitePartitionStore.Open(data.Path, keys);
    }

    public void Dispose()
    {
        foreach (var keys in _keys) keys.Dispose();
        _source.Dispose();
        _replica.Dispose();
    }
}
