using System.Security.Cryptography;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Sessions;
using CloudHsm.Node.Tls;
using CloudHsm.Storage;

namespace CloudHsm.Node.Hosting;

/// <summary>
/// The node's unsealed state: master key -> keyring -> store -> partition service, and the TLS
/// identity that follows the partition. Opening it is the node's start; any tampering stops it here.
/// </summary>
public sealed partial class NodeRuntime : IDisposable
{
    private readonly DomainKeys _keys;

    private NodeRuntime(NodeOptions options, DomainKeys keys, SqlitePartitionStore store, Core.Commands.ICommandLog log, PartitionService service, NodeTlsIdentity tls)
    {
        Objects = new Core.Keys.KeyObjects(store, log, keys, new Core.Keys.SessionKeyStore(), TimeProvider.System);
        new Core.Keys.KeyUseRecorder(log, TimeProvider.System).Attach(Objects);
        Keys = new Core.Keys.KeyService(Objects);
        Crypto = new Core.Keys.CryptoService(Objects);
        Transfer = new Core.Keys.KeyTransferService(Objects);
        Derivation = new Core.Keys.KeyDerivationService(Objects);
        Masking = new Core.Keys.MaskedObjectService(Objects);
        Creation = new Core.Keys.ObjectService(Objects);
        Options = options;
        _keys = keys;
        Store = store;
        Log = log;
        Service = service;
        Tls = tls;
    }

    public NodeOptions Options { get; }
    public SqlitePartitionStore Store { get; }
    public Core.Commands.ICommandLog Log { get; }
    public PartitionService Service { get; }
    public Core.Keys.KeyService Keys { get; }
    public Core.Keys.CryptoService Crypto { get; }
    /// <summary>Token and session key objects: the one access path of every key service.</summary>
    public Core.Keys.KeyObjects Objects { get; }
    public Core.Keys.KeyTransferService Transfer { get; }
    public Core.Keys.KeyDerivationService Derivation { get; }
    public Core.Keys.MaskedObjectService Masking { get; }
    /// <summary>C_CreateObject and C_CopyObject: certificates, data objects, public keys, copies.</summary>
    public Core.Keys.ObjectService Creation { get; }
    public NodeTlsIdentity Tls { get; }

    /// <summary>The data directory as a full path, created if missing, readable by the node's user only.</summary>
    private static string PrepareDataDirectory(string directory)
    {
        var data = Path.GetFullPath(directory);
        Directory.CreateDirectory(data);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return data;
    }

    public static async Task<NodeRuntime> OpenAsync(NodeOptions options, TimeProvider clock, CancellationToken ct = default)
    {
        var data = PrepareDataDirectory(options.DataDirectory);
        if (!File.Exists(Path.Combine(data, NodeKeyring.FileName)) && File.Exists(Path.Combine(data, SqlitePartitionStore.FileName)))
        {
            // The remains of a zeroized partition: its keyring was destroyed, so these records can never
            // be opened again. Clear them and start a new partition.
            foreach (var file in Directory.GetFiles(data, SqlitePartitionStore.FileName + "*")) File.Delete(file);
        }
        var fresh = !File.Exists(Path.Combine(data, SqlitePartitionStore.FileName));
        if (fresh && File.Exists(Path.Combine(data, NodeKeyring.FileName)))
        {
            throw new DataDirectoryException($"{SqlitePartitionStore.FileName} is missing beside {NodeKeyring.FileName}: the data directory was tampered with. Restore it, or empty the directory to start a new partition.");
        }
        if (options.Cluster is not null)
        {
            return await OpenClusterMemberAsync(options, clock, data, ct);
        }
        var masterKey = NodeMasterKey.Open(data, options.Unseal, create: fresh);
        try
        {
            var keys = NodeKeyring.Open(data, masterKey, create: fresh);
            var store = SqlitePartitionStore.Open(data, keys);
            if (store.Partition is { Status: PartitionStatus.Zeroized })
            {
                // A zeroized partition starts over: new domain secret, empty store, new identity.
                store.Dispose();
                keys.Dispose();
                foreach (var file in Directory.GetFiles(data, SqlitePartitionStore.FileName + "*")) File.Delete(file);
                keys = NodeKeyring.Replace(data, masterKey);
                store = SqlitePartitionStore.Open(data, keys);
            }
            var log = new LocalCommandLog(store);
            var service = new PartitionService(store, log, keys, new SessionRegistry(options.Sessions, clock), clock);
            await service.InitializeAsync(options.Policy, ct);
            var hostNames = options.Listen.Select(e => e.Address.ToString()).Append("localhost").Distinct();
            var tls = new NodeTlsIdentity(data, hostNames);
            tls.Refresh(service, store.Partition);
            var runtime = new NodeRuntime(options, keys, store, log, service, tls);
            log.Applied += runtime.OnApplied;
            return runtime;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(masterKey);
        }
    }

    private void OnApplied(Core.Commands.PartitionCommand command)
    {
        if (command is Core.Commands.Zeroize) EraseAfterZeroize();
        else Tls.Refresh(Service, Store.Partition);
    }

    /// <summary>Raised once the partition was zeroized and erased: the host stops.</summary>
    public event Action? Zeroized;

    public bool WasZeroized { get; private set; }

    /// <summary>
    /// Zeroize takes effect at once: the keyring is overwritten and deleted (every record, and every old
    /// WAL frame, becomes unreadable), the WAL is emptied, and the partition's TLS identity leaves memory.
    /// </summary>
    private void EraseAfterZeroize()
    {
        WasZeroized = true;
        Objects.SessionKeys.Clear();
        Objects.LoadedKeys.Clear();
        Store.TruncateLog();
        NodeKeyring.Destroy(Path.GetFullPath(Options.DataDirectory));
        ForgetClusterAfterZeroize();
        Tls.Forget();
        Zeroized?.Invoke();
    }

    public void Dispose()
    {
        StopCluster();
        Service.Sessions.RemoveAll();
        Objects.SessionKeys.Clear();
        Objects.LoadedKeys.Clear();
        Store.Dispose();
        Tls.Dispose();
        _keys.Dispose();
    }
}
