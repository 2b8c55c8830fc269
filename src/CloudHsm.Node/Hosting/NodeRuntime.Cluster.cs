using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudHsm.Cluster;
using CloudHsm.Cluster.Admission;
using CloudHsm.Cluster.Identity;
using CloudHsm.Cluster.Replication;
using CloudHsm.Cluster.Transport;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Sessions;
using CloudHsm.Node.Tls;
using CloudHsm.Storage;

namespace CloudHsm.Node.Hosting;

/// <summary>
/// A node as a member of the partition's Raft cluster: how it starts (founding the cluster, joining with an
/// admission, or restarting), its certificate on the cluster channel, and the admission of other nodes.
/// </summary>
public sealed partial class NodeRuntime
{
    private NodeIdentity? _identity;
    private X509Certificate2? _clusterCertificate;
    private ClusterFile? _clusterFile;

    /// <summary>The Raft member, or null on a standalone node.</summary>
    public ClusterRuntime? Cluster { get; private set; }

    /// <summary>Which node certificates this node accepts (null on a standalone node).</summary>
    public ClusterTrust? ClusterTrust { get; private set; }

    /// <summary>Calls to the other members (null on a standalone node).</summary>
    public Node.Cluster.PeerChannels? Peers { get; private set; }

    /// <summary>getClusterInfo and cluster verify (null on a standalone node).</summary>
    public Node.Cluster.ClusterView? View { get; private set; }

    /// <summary>This node's id in the cluster (null on a standalone node).</summary>
    public string? NodeId => _identity?.Id;

    /// <summary>This node's certificate (with its private key) for the cluster channel and calls to peers.</summary>
    public X509Certificate2? ClusterCertificate => _clusterCertificate;

    /// <summary>`cloudhsm node request`: makes the node's keys (and master key) and returns its join request.</summary>
    public static JoinRequest CreateJoinRequest(NodeOptions options)
    {
        var data = PrepareDataDirectory(options.DataDirectory);
        if (File.Exists(Path.Combine(data, NodeKeyring.FileName)))
        {
            throw new HsmException(HsmError.RET_NODE_ALREADY_ADMITTED, "This data directory already holds a partition; a joining node starts from an empty one.");
        }
        var masterKey = NodeMasterKey.Open(data, options.Unseal, create: !File.Exists(Path.Combine(data, NodeMasterKey.KeyFileName)) && !File.Exists(Path.Combine(data, NodeMasterKey.PassphraseFileName)));
        try
        {
            using var identity = NodeIdentity.OpenOrCreate(data, masterKey);
            return new JoinRequest(identity.Id, identity.TlsPublicKey, identity.ExchangePublicKey,
                options.Cluster?.Listen.ToString() ?? throw new HsmException(HsmError.RET_INVALID_INPUT, "A join request needs --cluster-listen."),
                options.Listen[0].ToString());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(masterKey);
        }
    }

    private static async Task<NodeRuntime> OpenClusterMemberAsync(NodeOptions options, TimeProvider clock, string data, CancellationToken ct)
    {
        var cluster = options.Cluster!;
        var hasKeyring = File.Exists(Path.Combine(data, NodeKeyring.FileName));
        var masterKey = NodeMasterKey.Open(data, options.Unseal, create: !hasKeyring && !NodeIdentity.Exists(data));
        NodeIdentity? identity = null;
        DomainKeys? keys = null;
        try
        {
            identity = NodeIdentity.OpenOrCreate(data, masterKey);
            var clusterFile = ClusterFile.Load(data);
            var founding = false;
            if (hasKeyring)
            {
                if (cluster.JoinFile is { } again && (clusterFile is null
                    || NodeAdmission.Parse(await File.ReadAllTextAsync(again, ct)).Certificate.AsSpan().SequenceEqual(clusterFile.Certificate) == false))
                {
                    // The same admission again (an interrupted first start) is harmless; any other is refused.
                    throw new HsmException(HsmError.RET_NODE_ALREADY_ADMITTED,
                        "This data directory already holds a partition; start it without --join, or join with an empty data directory.");
                }
                keys = NodeKeyring.Open(data, masterKey, create: false);
            }
            else if (cluster.JoinFile is { } joinFile)
            {
                var admission = NodeAdmission.Parse(await File.ReadAllTextAsync(joinFile, ct));
                if (admission.NodeId != identity.Id)
                {
                    throw new HsmException(HsmError.RET_ADMISSION_INVALID, $"This admission is for node {admission.NodeId}; this node is {identity.Id}.");
                }
                var secret = AdmissionSealing.Open(admission.SealedDomainSecret, identity.Exchange, identity.Id);
                try
                {
                    keys = NodeKeyring.Install(data, masterKey, secret);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(secret);
                }
                clusterFile = new ClusterFile(identity.Id, admission.Certificate, admission.PartitionIdentityPublicKey);
                clusterFile.Save(data);
            }
            else
            {
                founding = true;
                keys = NodeKeyring.Replace(data, masterKey);
            }
            var store = SqlitePartitionStore.Open(data, keys);
            var runtime = await StartMemberAsync(options, clock, data, identity, clusterFile, keys, store, founding, ct);
            identity = null;
            keys = null;
            return runtime;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(masterKey);
            identity?.Dispose();
            keys?.Dispose();
        }
    }

    private static async Task<NodeRuntime> StartMemberAsync(NodeOptions options, TimeProvider clock, string data, NodeIdentity identity,
        ClusterFile? clusterFile, DomainKeys keys, SqlitePartitionStore store, bool founding, CancellationToken ct)
    {
        NodeRuntime? runtime = null;
        var trust = new ClusterTrust(
            () => store.Partition?.IdentityPublicKey ?? runtime?._clusterFile?.PartitionIdentityPublicKey,
            () => store.Partition?.Nodes.Select(n => n.Id).ToList(),
            clock);
        var tlsOptions = new ClusterTls(() => runtime?._clusterCertificate, trust);
        var settings = new ClusterSettings { Endpoint = options.Cluster!.Listen, ColdStart = founding, SnapshotBytes = options.Cluster.SnapshotBytes };
        var cluster = await ClusterRuntime.StartAsync(data, store, settings, tlsOptions, null, ct);
        var log = new RaftCommandLog(cluster);
        var service = new PartitionService(store, log, keys, new SessionRegistry(options.Sessions, clock), clock);
        var hostNames = options.Listen.Select(e => e.Address.ToString()).Append("localhost").Distinct();
        var tls = new NodeTlsIdentity(data, hostNames);
        runtime = new NodeRuntime(options, keys, store, log, service, tls)
        {
            Cluster = cluster,
            ClusterTrust = trust,
            _identity = identity,
            _clusterFile = clusterFile,
        };
        runtime.LoadClusterCertificate();
        runtime.Peers = new Node.Cluster.PeerChannels(runtime);
        runtime.View = new Node.Cluster.ClusterView(runtime, runtime.Peers);
        cluster.Forwarder = runtime.Peers;
        cluster.StateMachine.Applied += runtime.OnApplied;
        cluster.StateMachine.Restored += () => tls.Refresh(service, store.Partition);
        if (store.Partition is not null) tls.Refresh(service, store.Partition);
        if (founding || (store.Partition is null && clusterFile is null))
        {
            await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
            await service.InitializeAsync(options.Policy, ct);
            tls.Refresh(service, store.Partition);
        }
        if (store.Partition is { } partition && partition.Nodes.All(n => n.Id != identity.Id) && (founding || partition.Nodes.Count == 0))
        {
            await runtime.AdmitSelfAsync(partition, clock, ct);
        }
        return runtime;
    }

    /// <summary>The founder issues its own certificate and records itself as the cluster's first node.</summary>
    private async Task AdmitSelfAsync(PartitionRecord partition, TimeProvider clock, CancellationToken ct)
    {
        var identity = _identity!;
        var now = clock.GetUtcNow();
        using var partitionKey = Service.LoadIdentityKey(partition);
        var certificate = NodeCertificates.Issue(partitionKey, partition.SerialNumber, identity.TlsPublicKey, Options.Cluster!.Listen.ToString(), now);
        _clusterFile = new ClusterFile(identity.Id, certificate, partition.IdentityPublicKey);
        _clusterFile.Save(Path.GetFullPath(Options.DataDirectory));
        LoadClusterCertificate();
        await Log.SubmitAsync(new AdmitNode(null, new ClusterNode(identity.Id, Options.Cluster.Listen.ToString(), Options.Listen[0].ToString(), certificate, now)) { At = now }, ct);
    }

    private void LoadClusterCertificate()
    {
        if (_clusterFile is null || _identity is null) return;
        using var publicOnly = X509CertificateLoader.LoadCertificate(_clusterFile.Certificate);
        var previous = _clusterCertificate;
        _clusterCertificate = publicOnly.CopyWithPrivateKey(_identity.Tls);
        previous?.Dispose();
    }

    /// <summary>
    /// addNode: issues the new node's certificate, records it in the partition (replicated), and returns its
    /// admission: the domain secret encrypted to the node's key-exchange key, which only that node can open.
    /// </summary>
    public async Task<NodeAdmission> AdmitNodeAsync(LoginContext caller, JoinRequest request, CancellationToken ct)
    {
        if (Cluster is null) throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "This node is standalone (started without --cluster-listen): it has no cluster to add nodes to.");
        var partition = Store.RequirePartition();
        Permissions.Require(caller.Actor, partition, Operation.ManageCluster);
        if (partition.Nodes.Any(n => n.Id == request.NodeId))
        {
            throw new HsmException(HsmError.RET_NODE_ALREADY_ADMITTED, $"Node {request.NodeId} is already a member of the cluster.");
        }
        var now = TimeProvider.System.GetUtcNow();
        byte[] certificate;
        using (var partitionKey = Service.LoadIdentityKey(partition))
        {
            certificate = NodeCertificates.Issue(partitionKey, partition.SerialNumber, request.TlsPublicKey, request.ClusterEndpoint, now);
        }
        await Log.SubmitAsync(new AdmitNode(caller.Actor, new ClusterNode(request.NodeId, request.ClusterEndpoint, request.ServiceEndpoint, certificate, now)) { At = now }, ct);
        // A retried call is answered from the first one: the certificate is the one the partition recorded.
        await Log.ReadBarrierAsync(ct);
        certificate = Store.Partition?.Nodes.FirstOrDefault(n => n.Id == request.NodeId)?.Certificate ?? certificate;
        var sealedSecret = _keys.SealSecret(secret => AdmissionSealing.Seal(secret, request.ExchangePublicKey, request.NodeId));
        var members = (Store.Partition?.Nodes ?? []).Select(n => n.ClusterEndpoint).ToArray();
        return new NodeAdmission(request.NodeId, partition.SerialNumber, certificate, partition.IdentityPublicKey, sealedSecret, members);
    }

    public async Task RemoveNodeAsync(LoginContext caller, string nodeId, CancellationToken ct)
    {
        if (Cluster is null) throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "This node is standalone: it has no cluster.");
        var endpoint = Store.Partition?.Nodes.FirstOrDefault(n => n.Id == nodeId)?.ClusterEndpoint;
        await Log.SubmitAsync(new RemoveNode(caller.Actor, nodeId) { At = TimeProvider.System.GetUtcNow() }, ct);
        // The leader changes the Raft configuration within a second or so; answer once it has, so that an operator
        // who stops the cluster right after does not leave the removed node in the members a restart reads.
        if (endpoint is not null) await Cluster.WaitUntilNotMemberAsync(endpoint, TimeSpan.FromSeconds(15), ct);
    }

    private void StopCluster()
    {
        if (Cluster is { } cluster)
        {
            Cluster = null;
            cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        Peers?.Dispose();
        _clusterCertificate?.Dispose();
        _identity?.Dispose();
    }

    /// <summary>After zeroize a member forgets its cluster too: log, snapshots, membership and certificate.</summary>
    private void ForgetClusterAfterZeroize()
    {
        if (Cluster is null) return;
        var data = Path.GetFullPath(Options.DataDirectory);
        _ = Task.Run(() =>
        {
            StopCluster();
            var raft = ClusterRuntime.RaftDirectory(data);
            if (Directory.Exists(raft)) Directory.Delete(raft, recursive: true);
            File.Delete(Path.Combine(data, ClusterFile.FileName));
        });
    }
}
