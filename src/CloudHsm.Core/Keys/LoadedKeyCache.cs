using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Sessions;

namespace CloudHsm.Core.Keys;

/// <summary>
/// Keys kept loaded between calls: unsealing a key's material and importing it (an RSA private key:
/// a few hundred microseconds) happens on first use, not on every signature. Only that work is
/// cached: the caller reads the current record and runs every authorization and attribute check
/// on it before renting, so a changed usage flag, a share withdrawn, a retirement or a deletion
/// takes effect on the next call.
/// <para>
/// An entry belongs to a handle and to the exact sealed material of the record it was loaded from
/// (plus its class and key type): what is loaded is a function of that blob alone, and a record
/// with other material under the same handle (a restore, a replaced session key) never meets the
/// old entry, which is dropped and disposed when it is seen. Each entry keeps a small pool of
/// instances, each rented to one call at a time, so nothing relies on an OpenSSL object being safe
/// for concurrent use. At most <c>capacity</c> keys stay loaded, least recently used evicted first;
/// evicted, replaced, forgotten (deleted) and cleared entries dispose their instances and wipe secret
/// bytes, at once or when the call that holds one returns it. A session key's entry remembers its
/// login and is dropped at the next load after that login ended.
/// </para>
/// </summary>
public sealed class LoadedKeyCache : IDisposable
{
    public const int DefaultCapacity = 4096;

    private readonly Dictionary<ulong, Entry> _entries = [];
    private readonly LinkedList<Entry> _recency = new(); // most recently used first
    private readonly Lock _lock = new();
    private readonly int _capacity;
    private readonly int _instancesPerKey;
    private long _loads;

    /// <param name="capacity">Keys kept loaded at most.</param>
    /// <param name="instancesPerKey">Instances of one key kept for concurrent calls (more are made when needed, and disposed after).</param>
    public LoadedKeyCache(int capacity = DefaultCapacity, int instancesPerKey = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _instancesPerKey = instancesPerKey > 0 ? instancesPerKey : Math.Max(2, Environment.ProcessorCount);
    }

    /// <summary>Keys loaded now.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _entries.Count;
        }
    }

    /// <summary>Imports done since start (a miss, or a concurrent call finding every instance busy).</summary>
    public long Loads => Interlocked.Read(ref _loads);

    public bool Contains(ulong handle)
    {
        lock (_lock) return _entries.ContainsKey(handle);
    }

    /// <summary>True for the records that have a loaded form: RSA and EC private keys, secret keys.</summary>
    public static bool IsLoadable(KeyRecord key) => key.Class switch
    {
        ObjectClass.PrivateKey => key.KeyType is KeyType.Rsa or KeyType.Ec,
        ObjectClass.SecretKey => true,
        _ => false,
    };

    /// <summary>
    /// The loaded form of <paramref name="material"/> (the record's material in clear), or null when
    /// it does not import; the material path then gives the refusal.
    /// </summary>
    public static LoadedKey? Load(KeyRecord key, ReadOnlySpan<byte> material)
    {
        try
        {
            return (key.Class, key.KeyType) switch
            {
                (ObjectClass.PrivateKey, KeyType.Rsa) => LoadedKey.FromRsaPrivateKey(material),
                (ObjectClass.PrivateKey, KeyType.Ec) => LoadedKey.FromEcPrivateKey(material),
                (ObjectClass.SecretKey, _) => LoadedKey.FromSecret(material),
                _ => null,
            };
        }
        catch (MechanismException)
        {
            return null;
        }
    }

    /// <summary>
    /// Rents the loaded form of <paramref name="key"/>, calling <paramref name="load"/> (unseal and
    /// import, outside the lock) when no instance is free. False when the key has no loaded form.
    /// The caller must have checked that it may use this record; dispose the lease to return it.
    /// For a session key, <paramref name="sessionLogin"/> is the login it belongs to.
    /// </summary>
    public bool TryRent(KeyRecord key, Func<KeyRecord, LoadedKey?> load, out Lease lease, LoginContext? sessionLogin = null)
    {
        lease = default;
        if (!IsLoadable(key)) return false;
        lock (_lock)
        {
            if (Find(key) is { } entry && entry.Pool.TryPop(out var pooled))
            {
                lease = new Lease(this, entry, pooled);
                return true;
            }
        }

        var loaded = load(key);
        if (loaded is null) return false;
        Interlocked.Increment(ref _loads);
        lock (_lock)
        {
            DropEndedLogins();
            var entry = Find(key);
            if (entry is null)
            {
                entry = new Entry(key) { Login = sessionLogin };
                _entries[key.Handle] = entry;
                entry.Node = _recency.AddFirst(entry);
                while (_entries.Count > _capacity) Drop(_recency.Last!.Value);
            }
            lease = new Lease(this, entry, loaded);
            return true;
        }
    }

    /// <summary>Drops the key's entry (deleted); instances in use are disposed when returned.</summary>
    public void Forget(ulong handle)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(handle, out var entry)) Drop(entry);
        }
    }

    /// <summary>Drops every entry (zeroize, shutdown).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            foreach (var entry in _entries.Values.ToList()) Drop(entry);
        }
    }

    public void Dispose() => Clear();

    /// <summary>The live entry for exactly this record's material, moved to the front; a stale one is dropped. Under the lock.</summary>
    private Entry? Find(KeyRecord key)
    {
        if (!_entries.TryGetValue(key.Handle, out var entry)) return null;
        if (!entry.Matches(key))
        {
            Drop(entry);
            return null;
        }
        _recency.Remove(entry.Node!);
        _recency.AddFirst(entry.Node!);
        return entry;
    }

    /// <summary>Drops the session keys of logins that ended (logout, expiry, zeroize). Under the lock; runs on loads only.</summary>
    private void DropEndedLogins()
    {
        List<Entry>? ended = null;
        foreach (var entry in _entries.Values)
        {
            if (entry.Login is { Closed: true }) (ended ??= []).Add(entry);
        }
        if (ended is not null) foreach (var entry in ended) Drop(entry);
    }

    /// <summary>Under the lock.</summary>
    private void Drop(Entry entry)
    {
        entry.Dropped = true;
        _entries.Remove(entry.Handle);
        _recency.Remove(entry.Node!);
        while (entry.Pool.TryPop(out var loaded)) loaded.Dispose();
    }

    private void Return(Entry entry, LoadedKey loaded)
    {
        lock (_lock)
        {
            if (!entry.Dropped && entry.Pool.Count < _instancesPerKey)
            {
                entry.Pool.Push(loaded);
                return;
            }
        }
        loaded.Dispose();
    }

    /// <summary>One instance rented to one call; disposing returns it to its key's pool (or disposes it).</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly LoadedKeyCache? _cache;
        private readonly Entry? _entry;

        internal Lease(LoadedKeyCache cache, Entry entry, LoadedKey key)
        {
            _cache = cache;
            _entry = entry;
            Key = key;
        }

        public LoadedKey Key { get; }

        public void Dispose()
        {
            if (_cache is not null) _cache.Return(_entry!, Key);
        }
    }

    internal sealed class Entry(KeyRecord key)
    {
        private readonly byte[] _sealedMaterial = key.SealedMaterial.ToArray();
        private readonly ObjectClass _class = key.Class;
        private readonly KeyType _type = key.KeyType;

        public ulong Handle { get; } = key.Handle;
        public Stack<LoadedKey> Pool { get; } = new();
        public LinkedListNode<Entry>? Node { get; set; }
        public bool Dropped { get; set; }
        /// <summary>The login a session key belongs to; null for a token key.</summary>
        public LoginContext? Login { get; init; }

        public bool Matches(KeyRecord record) =>
            record.Handle == Handle && record.Class == _class && record.KeyType == _type
            && record.SealedMaterial.AsSpan().SequenceEqual(_sealedMaterial);
    }
}
