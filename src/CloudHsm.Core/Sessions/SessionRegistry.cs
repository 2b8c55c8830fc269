using System.Collections.Concurrent;
using System.Security.Cryptography;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;

namespace CloudHsm.Core.Sessions;

/// <summary>Limits of the node's login and session table.</summary>
public sealed record SessionLimits
{
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(20);
    public int MaxSessionsPerLogin { get; init; } = 4096;
    public int MaxLogins { get; init; } = 16_384;
}

/// <summary>
/// Node-local logins and their sessions (never replicated). A login is found by the SHA-256 of its
/// bearer token, so the table holds no usable token; idle logins expire.
/// </summary>
public sealed class SessionRegistry(SessionLimits limits, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, LoginContext> _logins = new(StringComparer.Ordinal);

    public SessionLimits Limits { get; } = limits;

    public int LoginCount => _logins.Count;

    /// <summary>Creates a login and returns its bearer token (shown once to the client).</summary>
    public (string Token, LoginContext Login) Create(Actor actor, string clientName)
    {
        SweepExpired();
        if (_logins.Count >= Limits.MaxLogins)
        {
            throw new HsmException(HsmError.RET_SESSION_LIMIT_REACHED, "The node holds its limit of logins; log out unused ones.");
        }
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var login = new LoginContext(TokenId(token), actor, clock.GetUtcNow(), clientName);
        _logins[login.TokenId] = login;
        return (token, login);
    }

    /// <summary>The live login of a token, or null (unknown, logged out or expired).</summary>
    public LoginContext? Resolve(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 128) return null;
        if (!_logins.TryGetValue(TokenId(token), out var login)) return null;
        var now = clock.GetUtcNow();
        if (now - login.LastUsed > Limits.IdleTimeout)
        {
            Remove(login);
            return null;
        }
        login.Touch(now);
        return login;
    }

    public void Remove(LoginContext login)
    {
        login.Closed = true;
        login.Sessions.Clear();
        _logins.TryRemove(login.TokenId, out _);
    }

    public bool IsLoggedIn(string userName)
    {
        SweepExpired();
        return _logins.Values.Any(l => l.Actor.Name == userName);
    }

    /// <summary>Ends every login of a user (after a password reset, delete or zeroize).</summary>
    public void RemoveUser(string userName)
    {
        foreach (var login in _logins.Values.Where(l => l.Actor.Name == userName).ToList()) Remove(login);
    }

    public void RemoveAll()
    {
        foreach (var login in _logins.Values.ToList()) Remove(login);
    }

    public ulong OpenSession(LoginContext login)
    {
        if (login.Sessions.Count >= Limits.MaxSessionsPerLogin)
        {
            throw new HsmException(HsmError.RET_SESSION_LIMIT_REACHED,
                $"This application holds its limit of {Limits.MaxSessionsPerLogin} sessions; close unused ones.");
        }
        var handle = login.NextSessionHandle();
        login.Sessions[handle] = clock.GetUtcNow();
        return handle;
    }

    public void CloseSession(LoginContext login, ulong handle)
    {
        if (!login.Sessions.TryRemove(handle, out _))
        {
            throw new HsmException(HsmError.RET_SESSION_NOT_FOUND, "There is no such session in this login.");
        }
    }

    public bool HasSession(LoginContext login, ulong handle) => login.Sessions.ContainsKey(handle);

    private void SweepExpired()
    {
        var now = clock.GetUtcNow();
        foreach (var login in _logins.Values)
        {
            if (now - login.LastUsed > Limits.IdleTimeout) Remove(login);
        }
    }

    private static string TokenId(string token) => Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));
}
