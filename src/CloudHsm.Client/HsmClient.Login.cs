using CloudHsm.Client.Resilience;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Client;

/// <summary>
/// The client's login: a token valid on the one node that issued it, and the credentials held (password
/// in a pinned array, wiped at logout and dispose) to log in again on another node after a failover, or
/// on the same node after it restarted. Sessions, like tokens, live on one node.
/// </summary>
public sealed partial class HsmClient
{
    private readonly SemaphoreSlim _loginGate = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, int> _sessionNodes = new();
    private volatile NodeLogin? _login;
    private HeldCredentials? _held; // under _loginGate

    /// <summary>A login token and the node that issued it.</summary>
    private sealed record NodeLogin(string Token, int Node);

    public bool IsLoggedIn => _login is not null;

    public string? LoggedInAs { get; private set; }

    /// <summary>
    /// Logs in on the current node (failing over while nodes cannot be reached) and holds the credentials
    /// for logging in again elsewhere. A previous login of this client is replaced.
    /// </summary>
    public async Task<LoginReply> LoginAsync(UserType type, string name, string password, CancellationToken ct = default)
    {
        var held = HeldCredentials.Create(type, name, password);
        try
        {
            var (reply, node) = await RetryLoop.RunAsync(_nodes, RetryWindow,
                async attempt => (await InvokeAsync((c, o) => UsersApi(c).LoginAsync(held.Request(), o).ResponseAsync, attempt, null, ct), attempt.Node),
                ct: ct);
            await _loginGate.WaitAsync(CancellationToken.None);
            try
            {
                _held?.Dispose();
                _held = held;
                held = null;
                _login = new NodeLogin(reply.Token, node);
                LoggedInAs = reply.Name;
            }
            finally
            {
                _loginGate.Release();
            }
            return reply;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw Cancelled();
        }
        finally
        {
            held?.Dispose();
        }
    }

    /// <summary>Ends the login on the node that issued it (one attempt) and wipes the held credentials, whatever the node answers.</summary>
    public async Task LogoutAsync(CancellationToken ct = default)
    {
        var login = _login;
        if (login is null) return;
        try
        {
            await InvokeAsync((c, o) => UsersApi(c).LogoutAsync(new Empty(), o).ResponseAsync, new CallAttempt(login.Node, RequestId.New(), 1), login.Token, ct);
        }
        finally
        {
            await _loginGate.WaitAsync(CancellationToken.None);
            try
            {
                Forget();
            }
            finally
            {
                _loginGate.Release();
            }
        }
    }

    /// <summary>Opens a session on the current node; calls about it go to that node only.</summary>
    public async Task<ulong> OpenSessionAsync(CancellationToken ct = default)
    {
        var (reply, node) = await CallOnNodeAsync((c, o) => UsersApi(c).OpenSessionAsync(new Empty(), o).ResponseAsync, sessionNode: null, ct);
        _sessionNodes[reply.Handle] = node;
        return reply.Handle;
    }

    /// <summary>Closes a session; one that lived on a node this client left is reported RET_SESSION_NOT_FOUND.</summary>
    public async Task CloseSessionAsync(ulong handle, CancellationToken ct = default)
    {
        try
        {
            await CallAsync((c, o) => UsersApi(c).CloseSessionAsync(new SessionRequest { Handle = handle }, o).ResponseAsync, SessionNode(handle), ct);
        }
        finally
        {
            _sessionNodes.TryRemove(handle, out _);
        }
    }

    public Task<SessionInfo> GetSessionInfoAsync(ulong handle, CancellationToken ct = default) =>
        CallAsync((c, o) => UsersApi(c).GetSessionInfoAsync(new SessionRequest { Handle = handle }, o).ResponseAsync, SessionNode(handle), ct);

    private int? SessionNode(ulong handle) => _sessionNodes.TryGetValue(handle, out var node) ? node : null;

    /// <summary>
    /// The login to send to <paramref name="node"/>: the current one when that node issued it and has not
    /// rejected it, else a fresh login there with the held credentials (one caller logs in; the others
    /// wait and use its token). Null when not logged in. A refused login forgets the credentials (a
    /// changed password must not lock the user out) and is reported as RET_USER_NOT_LOGGED_IN; a node
    /// that cannot be reached fails as transient, as any call.
    /// </summary>
    private async Task<NodeLogin?> LoginOnAsync(int node, NodeLogin? rejected, CancellationToken ct)
    {
        var login = _login;
        if (login is null || (login.Node == node && !ReferenceEquals(login, rejected))) return login;
        await _loginGate.WaitAsync(ct);
        try
        {
            login = _login;
            if (login is null || (login.Node == node && !ReferenceEquals(login, rejected))) return login;
            if (_held is not { } held) throw new HsmClientException("RET_USER_NOT_LOGGED_IN", "Not logged in: this client holds no credentials to log in again.");
            LoginReply reply;
            try
            {
                var attempt = new CallAttempt(node, RequestId.New(), 1);
                reply = await InvokeAsync((c, o) => UsersApi(c).LoginAsync(held.Request(), o).ResponseAsync, attempt, null, ct);
            }
            catch (HsmClientException e) when (e.RefusesCredentials)
            {
                Forget();
                throw new HsmClientException("RET_USER_NOT_LOGGED_IN",
                    $"Logged out: logging in again on node {_config.Nodes[node]} was refused ({e.ErrorName}); log in again.");
            }
            var renewed = new NodeLogin(reply.Token, node);
            _login = renewed;
            return renewed;
        }
        finally
        {
            _loginGate.Release();
        }
    }

    /// <summary>After a password change: when it was this client's own, the held credentials take the new password.</summary>
    private async Task OwnPasswordChangedAsync(UserType type, string name, string newPassword)
    {
        await _loginGate.WaitAsync(CancellationToken.None);
        try
        {
            if (_held is not { } held || held.Type != type || !string.Equals(held.Name, name, StringComparison.Ordinal)) return;
            var replacement = HeldCredentials.Create(type, name, newPassword);
            _held = replacement;
            held.Dispose();
        }
        finally
        {
            _loginGate.Release();
        }
    }

    /// <summary>Drops the login and wipes the credentials (under <see cref="_loginGate"/>, or at dispose).</summary>
    private void Forget()
    {
        _login = null;
        LoggedInAs = null;
        _held?.Dispose();
        _held = null;
        _sessionNodes.Clear();
    }

    public void Dispose()
    {
        Forget();
        foreach (var channel in _channels) channel.Dispose();
        _loginGate.Dispose();
    }
}
