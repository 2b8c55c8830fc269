using System.Security.Cryptography;
using System.Text;
using CloudHsm.Client;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.Pkcs11.Module;

/// <summary>
/// The library between C_Initialize and C_Finalize: the configuration, the transport, the
/// application's login (shared by all its sessions, as the standard says) and its sessions.
/// </summary>
internal sealed class Pkcs11Module
{
    public const ulong SlotId = 1;

    private static readonly Lock InitGate = new();
    private static volatile Pkcs11Module? s_current;

    // Lock order: _loginGate, then a session's gate, then _gate (which guards only the fields here).
    private readonly Lock _loginGate = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Session> _sessions = [];
    private ulong _lastSessionHandle;
    private ulong _loggedInAs = ulong.MaxValue;

    private Pkcs11Module(ClientConfig config, IModuleTransport transport)
    {
        Config = config;
        Transport = transport;
    }

    public ClientConfig Config { get; }
    public IModuleTransport Transport { get; }
    public int ProcessId { get; } = Environment.ProcessId;

    /// <summary>Recent key descriptions for the checks of C_*Init (forgotten when the login changes).</summary>
    public KeyDescriptionCache KeyDescriptions { get; } = new();

    /// <summary>The initialised library, or CKR_CRYPTOKI_NOT_INITIALIZED.</summary>
    public static Pkcs11Module Current
    {
        get
        {
            var current = s_current;
            return current is not null && current.ProcessId == Environment.ProcessId ? current : throw new CkException(Ckr.CRYPTOKI_NOT_INITIALIZED);
        }
    }

    /// <summary>
    /// C_Initialize: reads the client configuration (CLOUDHSM_CONFIG or /etc/cloudhsm/client.json).
    /// A forked child that inherited an initialised library starts afresh, as the standard asks.
    /// </summary>
    public static void Initialize(Func<ClientConfig, IModuleTransport> transportFactory)
    {
        lock (InitGate)
        {
            if (s_current is { } existing && existing.ProcessId == Environment.ProcessId)
            {
                throw new CkException(Ckr.CRYPTOKI_ALREADY_INITIALIZED);
            }
            var config = ClientConfig.Load();
            s_current = new Pkcs11Module(config, transportFactory(config));
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
    }

    public Session Session(ulong handle)
    {
        lock (_gate)
        {
            return _sessions.TryGetValue(handle, out var session) ? session : throw new CkException(Ckr.SESSION_HANDLE_INVALID);
        }
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
    /// The PIN bytes are wiped here; the password reaches the node only inside the request.
    /// </summary>
    public void Login(ulong userType, byte[] pin)
    {
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
                var colon = Array.IndexOf(pin, (byte)':');
                if (colon <= 0) throw new CkException(Ckr.PIN_INCORRECT);
                var request = new LoginRequest
                {
                    Type = type,
                    Name = Encoding.UTF8.GetString(pin, 0, colon),
                    Password = ByteString.CopyFrom(pin, colon + 1, pin.Length - colon - 1),
                };
                var reply = Transport.Call(NodeMethods.Login, request, LoginReply.Parser);
                Transport.AuthorizationToken = reply.Token;
                KeyDescriptions.Clear();
                lock (_gate) _loggedInAs = userType;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pin);
        }
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
                Transport.AuthorizationToken = null;
                KeyDescriptions.Clear();
            }
        }
    }

    /// <summary>
    /// C_SetPIN changed the logged-in user's own password on the node. This is the place where
    /// credentials the module holds for re-login are replaced with <paramref name="newPassword"/>
    /// (copied into protected memory, never kept as given: the caller wipes its buffer on return).
    /// It holds none yet, so there is nothing to replace.
    /// </summary>
    internal void OwnPasswordChanged(ReadOnlySpan<byte> newPassword)
    {
        _ = newPassword;
    }

    /// <summary>Throws CKR_USER_NOT_LOGGED_IN unless a CU is logged in (keys belong to crypto users).</summary>
    public void RequireUser()
    {
        if (LoggedInAs is null) throw new CkException(Ckr.USER_NOT_LOGGED_IN);
    }
}
