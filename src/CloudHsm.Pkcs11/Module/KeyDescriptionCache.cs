using System.Collections.Concurrent;
using System.Diagnostics;
using CloudHsm.Pkcs11.Transport;

namespace CloudHsm.Pkcs11.Module;

/// <summary>
/// Recent descriptions of keys (<see cref="KeyObject"/>: class, type, usage flags; never a secret
/// value), for the checks C_*Init makes before an operation exists. Without it every sign or encrypt
/// costs two node calls, the description and the operation. A description is used for at most
/// <see cref="LifetimeSeconds"/> seconds, and forgotten when this application changes or destroys the
/// object or its login changes; the node checks the current key again on the operation itself, so a
/// description made stale by another application can only move a refusal from C_*Init to the call
/// after it, never let an operation through. Handles are never reused by the partition, so a handle
/// cannot come to name another key.
/// </summary>
internal sealed class KeyDescriptionCache
{
    public const int LifetimeSeconds = 2;
    private const int Capacity = 4_096;
    private static readonly long Lifetime = Stopwatch.Frequency * LifetimeSeconds;

    private readonly ConcurrentDictionary<ulong, (KeyObject Key, long At)> _entries = new();

    /// <summary>The key's description, from the cache while it is fresh, else from the node.</summary>
    public KeyObject Fetch(IModuleTransport transport, ulong handle, ulong missingAs)
    {
        var now = Stopwatch.GetTimestamp();
        if (_entries.TryGetValue(handle, out var entry) && now - entry.At < Lifetime) return entry.Key;
        var key = KeyObject.Fetch(transport, handle, missingAs);
        if (_entries.Count >= Capacity) _entries.Clear();
        _entries[handle] = (key, now);
        return key;
    }

    public void Forget(ulong handle) => _entries.TryRemove(handle, out _);

    public void Clear() => _entries.Clear();
}
