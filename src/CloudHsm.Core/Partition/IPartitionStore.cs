using CloudHsm.Core.Keys;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Partition;

/// <summary>Read access to the replicated partition state.</summary>
public interface IPartitionView
{
    /// <summary>The partition, or null before it was initialised.</summary>
    PartitionRecord? Partition { get; }

    UserRecord? FindUser(string name);

    IReadOnlyList<UserRecord> ListUsers();

    KeyRecord? FindKey(ulong handle);

    /// <summary>Keys matching a query, in handle order (indexed lookups, not a scan).</summary>
    IReadOnlyList<KeyRecord> FindKeys(KeyQuery query);

    int KeyCount { get; }

    /// <summary>A client request id applied recently (a retry of it is answered, not applied again), or null.</summary>
    Commands.AppliedRequest? FindAppliedRequest(string id) => null;

    /// <summary>
    /// Token keys by class, and those not used (nor made) since <paramref name="staleBefore"/>: the
    /// usage report, in one pass over the keys.
    /// </summary>
    KeyUsage CountKeyUsage(DateTimeOffset staleBefore, int staleDays)
    {
        int privateKeys = 0, publicKeys = 0, secretKeys = 0, stale = 0;
        var page = new KeyQuery { Limit = 10_000 };
        while (FindKeys(page) is { Count: > 0 } keys)
        {
            foreach (var key in keys)
            {
                switch (key.Class)
                {
                    case ObjectClass.PrivateKey: privateKeys++; break;
                    case ObjectClass.PublicKey: publicKeys++; break;
                    case ObjectClass.SecretKey: secretKeys++; break;
                }
                if (key.LastActivity < staleBefore) stale++;
            }
            page = page with { AfterHandle = keys[^1].Handle };
        }
        return new KeyUsage(privateKeys, publicKeys, secretKeys, stale, staleDays);
    }
}

/// <summary>Writes, only inside <see cref="IPartitionStore.Apply{T}"/>.</summary>
public interface IPartitionWriter : IPartitionView
{
    void SetPartition(PartitionRecord partition);

    void PutUser(UserRecord user);

    void RemoveUser(string name);

    void RemoveAllUsers();

    void PutKey(KeyRecord key);

    void RemoveKey(ulong handle);

    void RemoveAllKeys();

    /// <summary>A request id applied before, or null.</summary>
    Commands.AppliedRequest? FindRequest(string id);

    void PutRequest(Commands.AppliedRequest request);

    /// <summary>Forgets request ids applied before <paramref name="before"/>.</summary>
    void RemoveRequestsBefore(DateTimeOffset before);
}

/// <summary>
/// The store of partition state. <see cref="Apply{T}"/> runs a change atomically: everything it
/// wrote is kept when it returns, nothing when it throws.
/// </summary>
public interface IPartitionStore : IPartitionView
{
    T Apply<T>(Func<IPartitionWriter, T> change);
}
