using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Sessions;

/// <summary>Node-local logins: found by bearer token, expired when idle, with a session limit per login.</summary>
public class SessionRegistryTests
{
    private static readonly Actor Alice = new("alice", UserType.CU);
    private readonly ManualClock _clock = new();

    [Fact]
    public void IdleLogin_Expires_ButUseKeepsItAlive()
    {
        var registry = new SessionRegistry(new SessionLimits { IdleTimeout = TimeSpan.FromMinutes(20) }, _clock);
        var (token, login) = registry.Create(Alice, "app");

        _clock.Advance(TimeSpan.FromMinutes(19));
        Assert.Same(login, registry.Resolve(token));
        _clock.Advance(TimeSpan.FromMinutes(19));
        Assert.Same(login, registry.Resolve(token));
        _clock.Advance(TimeSpan.FromMinutes(21));

        Assert.Null(registry.Resolve(token));
        Assert.True(login.Closed);
        Assert.False(registry.IsLoggedIn(Alice.Name));
    }

    [Fact]
    public void IdleLogins_AreSweptWhenAnotherLoginIsCreated()
    {
        var registry = new SessionRegistry(new SessionLimits(), _clock);
        registry.Create(Alice, "app");
        _clock.Advance(registry.Limits.IdleTimeout + TimeSpan.FromSeconds(1));

        registry.Create(new Actor("bob", UserType.CU), "app");

        Assert.Equal(1, registry.LoginCount);
    }

    [Fact]
    public void OneLogin_Holds1024OpenSessions()
    {
        var registry = new SessionRegistry(new SessionLimits(), _clock);
        var (_, login) = registry.Create(Alice, "app");

        var handles = Enumerable.Range(0, 1024).Select(_ => registry.OpenSession(login)).ToHashSet();

        Assert.Equal(1024, handles.Count);
        Assert.Equal(1024, login.SessionCount);
        Assert.All(handles, h => Assert.True(registry.HasSession(login, h)));
    }

    [Fact]
    public void SessionBeyondThePerLoginLimit_IsRefused_UntilOneCloses()
    {
        var registry = new SessionRegistry(new SessionLimits { MaxSessionsPerLogin = 3 }, _clock);
        var (_, login) = registry.Create(Alice, "app");
        var first = registry.OpenSession(login);
        registry.OpenSession(login);
        registry.OpenSession(login);

        var e = Assert.Throws<HsmException>(() => registry.OpenSession(login));
        Assert.Equal(HsmError.RET_SESSION_LIMIT_REACHED, e.Error);

        registry.CloseSession(login, first);
        registry.OpenSession(login);
        Assert.Equal(3, login.SessionCount);
    }

    [Fact]
    public void SessionLimit_IsPerLogin()
    {
        var registry = new SessionRegistry(new SessionLimits { MaxSessionsPerLogin = 1 }, _clock);
        var (_, first) = registry.Create(Alice, "app");
        var (_, second) = registry.Create(Alice, "other app");

        registry.OpenSession(first);
        registry.OpenSession(second);

        Assert.Throws<HsmException>(() => registry.OpenSession(first));
    }

    [Fact]
    public void ClosingAnUnknownSession_IsRefused()
    {
        var registry = new SessionRegistry(new SessionLimits(), _clock);
        var (_, login) = registry.Create(Alice, "app");

        var e = Assert.Throws<HsmException>(() => registry.CloseSession(login, 42));
        Assert.Equal(HsmError.RET_SESSION_NOT_FOUND, e.Error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bm90IGEgdG9rZW4gdGhhdCB3YXMgZXZlciBpc3N1ZWQ=")]
    public void UnknownToken_ResolvesToNull(string? token)
    {
        var registry = new SessionRegistry(new SessionLimits(), _clock);
        registry.Create(Alice, "app");

        Assert.Null(registry.Resolve(token));
    }

    [Fact]
    public void TokenOfALoggedOutLogin_ResolvesToNull()
    {
        var registry = new SessionRegistry(new SessionLimits(), _clock);
        var (token, login) = registry.Create(Alice, "app");

        registry.Remove(login);

        Assert.Null(registry.Resolve(token));
        Assert.Equal(0, registry.LoginCount);
    }

    [Fact]
    public void RemoveUser_EndsEveryLoginOfThatUserOnly()
    {
        var registry = new SessionRegistry(new SessionLimits(), _clock);
        var (first, _) = registry.Create(Alice, "app");
        var (second, _) = registry.Create(Alice, "other app");
        var (bobs, _) = registry.Create(new Actor("bob", UserType.CU), "app");

        registry.RemoveUser(Alice.Name);

        Assert.Null(registry.Resolve(first));
        Assert.Null(registry.Resolve(second));
        Assert.NotNull(registry.Resolve(bobs));
    }
}
