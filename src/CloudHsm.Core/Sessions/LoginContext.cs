using System.Collections.Concurrent;
using CloudHsm.Core.Commands;

namespace CloudHsm.Core.Sessions;

/// <summary>
/// One application's login: who it is, and the sessions it opened. It belongs to the client that
/// logged in (identified by its bearer token) and to no one else on the host.
/// </summary>
public sealed class LoginContext
{
    private long _lastUsedTicks;
    private long _nextSession;

    internal LoginContext(string tokenId, Actor actor, DateTimeOffset now, string clientName)
    {
        TokenId = tokenId;
        Actor = actor;
        CreatedAt = now;
        ClientName = clientName;
        _lastUsedTicks = now.UtcTicks;
    }

    /// <summary>SHA-256 of the bearer token (hex); the token itself is not kept.</summary>
    internal string TokenId { get; }
    public Actor Actor { get; }
    public DateTimeOffset CreatedAt { get; }
    public string ClientName { get; }
    public DateTimeOffset LastUsed => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);
    internal ConcurrentDictionary<ulong, DateTimeOffset> Sessions { get; } = new();
    public int SessionCount => Sessions.Count;
    public bool Closed { get; internal set; }

    internal void Touch(DateTimeOffset now) => Interlocked.Exchange(ref _lastUsedTicks, now.UtcTicks);

    internal ulong NextSessionHandle() => (ulong)Interlocked.Increment(ref _nextSession);
}
