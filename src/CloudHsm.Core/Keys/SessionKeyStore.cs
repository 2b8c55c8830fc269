using System.Collections.Concurrent;
using CloudHsm.Core.Sessions;

namespace CloudHsm.Core.Keys;

/// <summary>
/// Session keys (TOKEN = 0): node-local, in memory only, never written to disk or replicated. Each
/// belongs to the login that made it and is seen by that login alone; it ends when the login ends
/// (logout, expiry, password reset, zeroize). Material stays sealed under the domain key here too.
/// </summary>
public sealed class SessionKeyStore
{
    private readonly ConcurrentDictionary<ulong, (LoginContext Login, KeyRecord Key)> _keys = new();

    public int Count
    {
        get
        {
            Sweep();
            return _keys.Count;
        }
    }

    public bool Contains(ulong handle) => _keys.ContainsKey(handle);

    /// <summary>The key, if it exists and belongs to this login (and the login is still open).</summary>
    public KeyRecord? Find(LoginContext login, ulong handle) =>
        _keys.TryGetValue(handle, out var entry) && ReferenceEquals(entry.Login, login) && !login.Closed ? entry.Key : null;

    public IEnumerable<KeyRecord> Of(LoginContext login) =>
        login.Closed ? [] : _keys.Values.Where(e => ReferenceEquals(e.Login, login)).Select(e => e.Key);

    /// <summary>Adds a new key; false when the handle is taken.</summary>
    public bool TryAdd(LoginContext login, KeyRecord key) => !login.Closed && _keys.TryAdd(key.Handle, (login, key));

    public void Replace(LoginContext login, KeyRecord key)
    {
        if (Find(login, key.Handle) is not null) _keys[key.Handle] = (login, key);
    }

    public bool Remove(LoginContext login, ulong handle) =>
        Find(login, handle) is not null && _keys.TryRemove(handle, out _);

    /// <summary>Forgets every key of closed logins.</summary>
    public void Sweep()
    {
        foreach (var (handle, entry) in _keys)
        {
            if (entry.Login.Closed) _keys.TryRemove(handle, out _);
        }
    }

    public void Clear() => _keys.Clear();
}
