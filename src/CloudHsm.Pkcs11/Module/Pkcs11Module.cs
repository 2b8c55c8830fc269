using System.Security.Cryptography;
using CloudHsm.Client;
using CloudHsm.Client.Wire;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Logging;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Pkcs11.Module;

/// <summary>
/// The library between C_Initialize and C_Finalize: the configuration, the transport, the log, the
/// application's login (shared by all its sessions, as the standard says; its credentials held for
/// logging in again when a node no longer knows it) and its sessions.
/// </summary>
internal sealed class Pkcs11Module : ILoginRenewal
{
    public const ulong SlotId = 1;

    private static readonly Lock InitGate = new();
    private static volatile Pkcs11Module? s_current;

    // Lock order: _loginGate, then a session's gate, then _renewGate (the held credentials and the
    // token; taken inside node calls, so under a session's gate), then _gate (the fields here).
    private readonly Lock _loginGate = new();
    private readonly Lock _renewGate = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Session> _sessions = [];
    private ulong _lastSessionHandle;
    private ulong _loggedInAs = ulong.MaxValue;
    private HeldCredentials? _held;
    private long _loginGeneration;

    private Pkcs11Module(ClientConfig config, IModuleTransport transport, ModuleLog log)
    {
        Config = config;
        Transport = transport;
        Log = log;
        transport.Renewal = this;
    }

    public ClientConfig Config { get; }
    public IModuleTransport Transport { get; }
    public ModuleLog Log { get; }

    /// <summary>The process that initialised the library (read again after fork(), unlike Environment.ProcessId).</summary>
    public int ProcessId { get; } = ProcessIdentity.Current();

    /// <summary>Recent key descriptions for the checks of C_*Init (forgotten when the login changes).</summary>
    public KeyDescriptionCache KeyDescriptions { get; } = new();

    /// <summary>The initialised library, or CKR_CRYPTOKI_NOT_INITIALIZED.</summary>
    public static Pkcs11Module Current
    {
        get
        {
            var current = s_current;
            return current is not null && current.ProcessId == ProcessIdentity.Current() ? current : throw new CkException(Ckr.CRYPTOKI_NOT_INITIALIZED);
        }
    }

    /// <summary>
    /// C_Initialize: reads the client configuration (CLOUDHSM_CONFIG or /etc/cloudhsm/client.json) and
    /// opens the log it names. A forked child that inherited an initialised library starts afresh, as
    /// the standard asks: new connections, nothing of the parent's login.
    /// </summary>
    public static void Initialize(Func<ClientConfig, ModuleLog, IModuleTransport> transportFactory)
    {
        lock (InitGate)
        {
            if (s_current is { } existing && existing.ProcessId == ProcessIdentity.Current())
            {
                throw new CkException(Ckr.CRYPTOKI_ALREADY_INITIALIZED);
            }
            var config = ClientConfig.Load();
            var log = ModuleLog.Open(config);
            ModuleLog.Install(log);
            s_current = new Pkcs11Module(config, transportFactory(config, log), log);
            log.Info($"C_Initialize: libcloudhsm_pkcs11 {typeof(Pkcs11Module).Assembly.GetName().Version}, nodes {string.Join(", ", config.WireEndpoints())}");
        }
    }

    /// <summary>C_Finalize: logs out (when logged in), forgets every session and drops the transport.</summary>
    public static void FinalizeModule()
    {
        Pkcs11Module module;
        lock (InitGate)
        {
            module = Current;
            s_current = null;
        }
        module.CloseAllSessions();
        module.Transport.Dispose();
        module.Log.Info("C_Finalize");
        ModuleLog.Uninstall();
    }

    /// <summary>
    /// Counts the logins the node forgot (a restart, or a failover to another node: a token is valid on
    /// one node only): each re-login adds one. Session objects live in node memory under the login, so
    /// a session that made some under an earlier count has lost them (<see cref="Module.Session.Stranded"/>).
    /// </summary>
    public long LoginGeneration => Volatile.Read(ref _loginGeneration);

    /// <summary>
    /// The session, or CKR_SESSION_HANDLE_INVALID; CKR_SESSION_CLOSED when it lost its node-side state
    /// (session objects) to a failover or a node restart, until the application closes it (or, with
    /// <paramref name="evenStranded"/>, for C_Logout, which ends that state anyway).
    /// </summary>
    public Session Session(ulong handle, bool evenStranded = false)
    {
        Session? session;
        lock (_gate)
        {
            if (!_sessions.TryGetValue(handle, out session)) throw new CkException(Ckr.SESSION_HANDLE_INVALID);
        }
        if (!evenStranded && session.Stranded) throw new CkException(Ckr.SESSION_CLOSED);
        return session;
    }

    public Session OpenSession(bool readWrite)
    {
        lock (_gate)
        {
            if (!readWrite && _loggedInAs == Cku.SO) throw new CkException(Ckr.SESSION_READ_ONLY_EXISTS);
            var session = new Session(this, ++_lastSessionHandle, readWrite);
            _sessions.Add(session.Handle, session);
            return session;
        }
    }

    /// <summary>Closes one session; the last one to close logs the application out.</summary>
    public void CloseSession(ulong handle)
    {
        Session session;
        bool last;
        lock (_gate)
        {
            if (!_sessions.Remove(handle, out session!)) throw new CkException(Ckr.SESSION_HANDLE_INVALID);
            last = _sessions.Count == 0;
        }
        session.Close();
        if (last) EndLogin();
    }

    public void CloseAllSessions()
    {
        Session[] sessions;
        lock (_gate)
        {
            sessions = [.. _sessions.Values];
            _sessions.Clear();
        }
        foreach (var session in sessions) session.Close();
        EndLogin();
    }

    public (ulong Total, ulong ReadWrite) SessionCounts()
    {
        lock (_gate)
        {
            return ((ulong)_sessions.Count, (ulong)_sessions.Values.Count(s => s.ReadWrite));
        }
    }

    /// <summary>CKU_USER, CKU_SO, or null when the application is not logged in.</summary>
    public ulong? LoggedInAs
    {
        get
        {
            lock (_gate) return _loggedInAs == ulong.MaxValue ? null : _loggedInAs;
        }
    }

    /// <summary>
    /// C_Login: CKU_USER logs in a CU with the PIN "name:password" (Azure's convention), CKU_SO a CO.
    /// The PIN bytes are wiped here; the password is kept only in <see cref="HeldCredentials"/>'s pinned
    /// array, for logging in again, until the login ends.
    /// </summary>
    public void Login(ulong userType, byte[] pin)
    {
        HeldCredentials? held = null;
        try
        {
            var type = userType switch
            {
                Cku.USER => UserType.Cu,
                Cku.SO => UserType.Co,
                Cku.CONTEXT_SPECIFIC => throw new CkException(Ckr.OPERATION_NOT_INITIALIZED),
                _ => throw new CkException(Ckr.USER_TYPE_INVALID),
            };
            lock (_loginGate)
            {
                lock (_gate)
                {
                    if (_loggedInAs != ulong.MaxValue)
                    {
                        throw new CkException(_loggedInAs == userType ? Ckr.USER_ALREADY_LOGGED_IN : Ckr.USER_ANOTHER_ALREADY_LOGGED_IN);
                    }
                    if (userType == Cku.SO && _sessions.Values.Any(s => !s.ReadWrite)) throw new CkException(Ckr.SESSION_READ_ONLY_EXISTS);
                }
                held = HeldCredentials.FromPin(type, pin) ?? throw new CkException(Ckr.PIN_INCORRECT);
                LoginReply reply;
                try
                {
                    reply = Transport.Call(NodeMethods.Login, held.Request(), LoginReply.Parser);
                }
                catch (HsmClientException e)
                {
                    Log.Warn($"C_Login: {held.Type} '{held.Name}' refused: {e.ErrorName}");
                    throw;
                }
                Log.Info($"C_Login: {held.Type} '{held.Name}' logged in");
                lock (_renewGate)
                {
                    _held = held;
                    held = null;
                    Transport.AuthorizationToken = reply.Token;
                    KeyDescriptions.Clear();
                    lock (_gate) _loggedInAs = userType;
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pin);
            held?.Dispose();
        }
    }

    /// <summary>
    /// After a node restart or on another node: logs in again with the held credentials, once per
    /// rejected token (the threads that were refused the same token wait here and then use the new one).
    /// A login refused for its credentials forgets them, so that a changed password cannot lock the user out.
    /// </summary>
    bool ILoginRenewal.Renew(string rejectedToken)
    {
        lock (_renewGate)
        {
            var current = Transport.AuthorizationToken;
            if (!string.Equals(current, rejectedToken, StringComparison.Ordinal)) return current is not null;
            // The node forgot this login, and with it the session objects made under it.
            Interlocked.Increment(ref _loginGeneration);
            if (_held is null) return false;
            try
            {
                var reply = Transport.Call(NodeMethods.Login, _held.Request(), LoginReply.Parser);
                Transport.AuthorizationToken = reply.Token;
                Log.Info($"re-login: {_held.Type} '{_held.Name}' logged in again");
                return true;
            }
            catch (HsmClientException e) when (e.RefusesCredentials)
            {
                Log.Warn($"re-login: {_held.Type} '{_held.Name}' refused: {e.ErrorName}; the application must log in again");
                _held.Dispose();
                _held = null;
                return false;
            }
            catch (HsmClientException e) when (!e.IsTransient)
            {
                // Not a verdict on the credentials (e.g. a node in the middle of a failover): the next call tries again.
                Log.Warn($"re-login: {_held.Type} '{_held.Name}' failed: {e.ErrorName}; will try again on the next call");
                return false;
            }
        }
    }

    /// <summary>
    /// The application changed its own password (C_SetPIN): the held credentials take the new one, so
    /// that a later re-login uses it. Does nothing when the module holds no login.
    /// </summary>
    internal void OwnPasswordChanged(ReadOnlySpan<byte> newPassword)
    {
        lock (_renewGate) _held?.ReplacePassword(newPassword);
    }

    /// <summary>C_Logout: the node ends the login (and with it the session objects it holds).</summary>
    public void Logout()
    {
        lock (_gate)
        {
            if (_loggedInAs == ulong.MaxValue) throw new CkException(Ckr.USER_NOT_LOGGED_IN);
        }
        EndLogin();
    }

    private void EndLogin()
    {
        lock (_loginGate)
        {
            Session[] sessions;
            lock (_gate)
            {
                if (_loggedInAs == ulong.MaxValue) return;
                _loggedInAs = ulong.MaxValue;
                sessions = [.. _sessions.Values];
            }
            foreach (var session in sessions) session.ForgetSessionObjects();
            string? name;
            lock (_renewGate)
            {
                name = _held?.Name;
                _held?.Dispose();
                _held = null;
            }
            try
            {
                Transport.Call(NodeMethods.Logout, new Empty(), Empty.Parser);
            }
            catch (HsmClientException)
            {
                // the node forgets an unused login by itself; the application is logged out either way
            }
            finally
            {
                lock (_renewGate) Transport.AuthorizationToken = null;
                KeyDescriptions.Clear();
            }
            Log.Info($"logout: '{name}'");
        }
    }

    /// <summary>Throws CKR_USER_NOT_LOGGED_IN unless a CU is logged in (keys belong to crypto users).</summary>
    public void RequireUser()
    {
        if (LoggedInAs is null) throw new CkException(Ckr.USER_NOT_LOGGED_IN);
    }
}
