using CloudHsm.Client;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Pkcs11.Module;

/// <summary>
/// One PKCS#11 session: read-only or read/write, its active operations (one of each kind), its
/// search, and the session objects (TOKEN = 0) it made, destroyed when it closes. Every call on a
/// session holds <see cref="Gate"/>, so two threads sharing one session are serialised, never mixed.
/// Session objects live in the memory of the node that made them, under the login: when the module
/// had to log in again since (the node restarted, or the module failed over to another node), they are
/// gone, and the session is <see cref="Stranded"/>: its calls end in CKR_SESSION_CLOSED until the
/// application closes it. Operations keep their input in the module and work on any node, so a
/// session without session objects carries on.
/// </summary>
internal sealed class Session
{
    private readonly Operation?[] _operations = new Operation?[Enum.GetValues<OperationKind>().Length];
    private readonly HashSet<ulong> _sessionObjects = [];

    /// <summary>The module's login generation when the session objects were made; -1 while it has none.</summary>
    private long _objectsGeneration = -1;

    public Session(Pkcs11Module module, ulong handle, bool readWrite)
    {
        Module = module;
        Handle = handle;
        ReadWrite = readWrite;
        Transport = new SessionTransport(this, module.Transport);
    }

    public Lock Gate { get; } = new();
    public Pkcs11Module Module { get; }

    /// <summary>The module's transport, answering CKR_SESSION_CLOSED for a call that finds this session stranded.</summary>
    public IModuleTransport Transport { get; }
    public ulong Handle { get; }
    public bool ReadWrite { get; }

    /// <summary>True when the session made session objects under a login the node has since forgotten.</summary>
    public bool Stranded
    {
        get
        {
            var generation = Volatile.Read(ref _objectsGeneration);
            return generation >= 0 && generation != Module.LoginGeneration;
        }
    }
    public ObjectSearch? Search { get; set; }

    /// <summary>A C_WrapKey result waiting to be fetched (length query or CKR_BUFFER_TOO_SMALL before).</summary>
    public PendingWrap? PendingWrap { get; private set; }

    /// <summary>CKS_*: read-only or read/write, public, user or SO functions.</summary>
    public ulong State => Module.LoggedInAs switch
    {
        Cku.USER => ReadWrite ? Cks.RW_USER_FUNCTIONS : Cks.RO_USER_FUNCTIONS,
        Cku.SO => Cks.RW_SO_FUNCTIONS,
        _ => ReadWrite ? Cks.RW_PUBLIC_SESSION : Cks.RO_PUBLIC_SESSION,
    };

    public void Begin(Operation operation)
    {
        ref var slot = ref _operations[(int)operation.Kind];
        if (slot is not null)
        {
            operation.Dispose();
            throw new CkException(Ckr.OPERATION_ACTIVE);
        }
        slot = operation;
    }

    public bool IsActive(OperationKind kind) => _operations[(int)kind] is not null;

    public Operation Active(OperationKind kind) => _operations[(int)kind] ?? throw new CkException(Ckr.OPERATION_NOT_INITIALIZED);

    public void End(OperationKind kind)
    {
        _operations[(int)kind]?.Dispose();
        _operations[(int)kind] = null;
    }

    /// <summary>Keeps <paramref name="pending"/> for the next C_WrapKey (null drops it), wiping the one it replaces.</summary>
    public void KeepWrap(PendingWrap? pending)
    {
        if (!ReferenceEquals(PendingWrap, pending)) PendingWrap?.Dispose();
        PendingWrap = pending;
    }

    /// <summary>Remembers a session object this session made, to destroy it on close.</summary>
    public void Made(ulong handle, bool token)
    {
        if (token) return;
        if (_sessionObjects.Count == 0) Volatile.Write(ref _objectsGeneration, Module.LoginGeneration);
        _sessionObjects.Add(handle);
    }

    public void Destroyed(ulong handle)
    {
        _sessionObjects.Remove(handle);
        if (_sessionObjects.Count == 0) Volatile.Write(ref _objectsGeneration, -1);
    }

    /// <summary>After a logout the node has dropped the session objects itself.</summary>
    public void ForgetSessionObjects()
    {
        lock (Gate)
        {
            _sessionObjects.Clear();
            Volatile.Write(ref _objectsGeneration, -1);
        }
    }

    /// <summary>
    /// Ends every operation and destroys the session objects made here (best effort; not when stranded:
    /// they are gone, and their handles mean nothing, or something else, on the node used now).
    /// </summary>
    public void Close()
    {
        lock (Gate)
        {
            foreach (var kind in Enum.GetValues<OperationKind>()) End(kind);
            Search = null;
            KeepWrap(null);
            if (Stranded) _sessionObjects.Clear();
            foreach (var h in _sessionObjects)
            {
                try
                {
                    Module.Transport.Call(NodeMethods.DeleteKey, new KeyRef { Handle = h }, Empty.Parser);
                }
                catch (HsmClientException)
                {
                    // gone already, or the login ended: the node drops session keys with the login
                }
            }
            _sessionObjects.Clear();
            Volatile.Write(ref _objectsGeneration, -1);
        }
    }

    /// <summary>CKR_SESSION_READ_ONLY when a read-only session would change a token object.</summary>
    public void RequireWritable(bool token)
    {
        if (token && !ReadWrite) throw new CkException(Ckr.SESSION_READ_ONLY);
    }
}
