using System.Net;
using CloudHsm.Cluster.Replication;
using CloudHsm.Cluster.Transport;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;
using CloudHsm.Storage;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;

namespace CloudHsm.Cluster;

/// <summary>Settings of the Raft member a node runs.</summary>
public sealed record ClusterSettings
{
    public required IPEndPoint Endpoint { get; init; }
    /// <summary>True only for the first start of the node that founds the cluster.</summary>
    public bool ColdStart { get; init; }
    /// <summary>Log bytes applied since the last snapshot that make the next one.</summary>
    public long SnapshotBytes { get; init; } = 8 * 1024 * 1024;
    /// <summary>How long a write waits for a majority before it is refused with RET_CLUSTER_NO_QUORUM.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(8);
    public int LowerElectionTimeoutMs { get; init; } = 250;
    public int UpperElectionTimeoutMs { get; init; } = 500;
}

/// <summary>
/// One node's Raft member (DotNext): the write-ahead log in DATA/raft/wal (DotNext 6.12 always flushes on commit, so an entry a
/// node acknowledged survives its crash), the partition state machine, TLS between members, the way writes
/// reach the leader, and the leader's upkeep of membership from the partition's admitted nodes.
/// </summary>
public sealed class ClusterRuntime : IAsyncDisposable
{
    private readonly RaftCluster _raft;
    private readonly WriteAheadLog _wal;
    private readonly PendingApplies _pending;
    private readonly IPartitionView _state;
    private readonly ClusterSettings _settings;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _membership;

    private ClusterRuntime(RaftCluster raft, WriteAheadLog wal, ReplicatedPartition stateMachine, PendingApplies pending, IPartitionView state, ClusterSettings settings)
    {
        _raft = raft;
        _wal = wal;
        StateMachine = stateMachine;
        _pending = pending;
        _state = state;
        _settings = settings;
    }

    public ReplicatedPartition StateMachine { get; }
    public ILeaderForwarder? Forwarder { get; set; }
    public string LocalEndpoint => _settings.Endpoint.ToString();

    public static string RaftDirectory(string dataDirectory) => Path.Combine(dataDirectory, "raft");

    /// <summary>Restores the state machine from its snapshot, opens the log and starts the member.</summary>
    public static async Task<ClusterRuntime> StartAsync(string dataDirectory, SqlitePartitionStore store, ClusterSettings settings, ClusterTls tls,
        ILoggerFactory? loggers, CancellationToken ct)
    {
        var root = RaftDirectory(dataDirectory);
        Directory.CreateDirectory(root);
        var pending = new PendingApplies();
        var stateMachine = new ReplicatedPartition(new DirectoryInfo(Path.Combine(root, "snapshots")), store, pending, settings.SnapshotBytes);
        // Before the log exists: the log computes its replay start from the restored snapshot.
        await stateMachine.RestoreAsync(ct);
        var wal = new WriteAheadLog(new WriteAheadLog.Options { Location = Path.Combine(root, "wal") }, stateMachine);
        var configuration = new RaftCluster.TcpConfiguration(settings.Endpoint)
        {
            ColdStart = settings.ColdStart,
            ConfigurationStorage = new ClusterMembers(Path.Combine(root, "members")),
            LowerElectionTimeout = settings.LowerElectionTimeoutMs,
            UpperElectionTimeout = settings.UpperElectionTimeoutMs,
            RequestTimeout = TimeSpan.FromSeconds(5),
            SslOptions = tls,
            TransmissionBlockSize = 65536,
            LoggerFactory = loggers,
        };
        var raft = new RaftCluster(configuration) { AuditTrail = wal };
        var runtime = new ClusterRuntime(raft, wal, stateMachine, pending, store, settings);
        await raft.StartAsync(ct);
        runtime._membership = Task.Run(() => runtime.KeepMembershipAsync(runtime._stopping.Token));
        return runtime;
    }

    public bool IsLeader => !_raft.LeadershipToken.IsCancellationRequested;

    public string? LeaderEndpoint => _raft.Leader?.EndPoint?.ToString();

    /// <summary>Waits until this node knows a leader (the founder elects itself at once).</summary>
    public async Task WaitForLeaderAsync(TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await _raft.WaitForLeaderAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            throw NoQuorum();
        }
    }

    /// <summary>
    /// Replicates an entry through the leader and returns the outcome once it is applied there and here, so a client
    /// that wrote through this node reads its own write here (a key it made is usable at once).
    /// </summary>
    public async ValueTask<CommandResult> SubmitAsync(byte[] entry, CancellationToken ct)
    {
        var applied = await SubmitToLeaderAsync(entry, ct);
        if (_wal.LastAppliedIndex < applied.Index)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping.Token);
            deadline.CancelAfter(_settings.WriteTimeout);
            try
            {
                await _wal.WaitForApplyAsync(applied.Index, deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw NoQuorum();
            }
        }
        return applied.Result;
    }

    /// <summary>Replicates an entry through the leader; returns once the leader applied it, with its log index.</summary>
    public async ValueTask<AppliedEntry> SubmitToLeaderAsync(byte[] entry, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping.Token);
        deadline.CancelAfter(_settings.WriteTimeout);
        var pause = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                var leader = _raft.Leader;
                if (leader is not null && !leader.IsRemote) return await ReplicateHereAsync(entry, deadline.Token);
                if (leader is not null && Forwarder is { } forwarder && ServiceEndpointOf(leader.EndPoint.ToString()!) is { } service)
                {
                    return await forwarder.ForwardAsync(service, entry, deadline.Token);
                }
            }
            catch (NotLeaderException)
            {
                // leadership moved while replicating: try again where it went
            }
            catch (LeaderUnreachableException)
            {
                // the leader died or is cut off: wait for the next one
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw NoQuorum();
            }
            try
            {
                await Task.Delay(pause, deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw NoQuorum();
            }
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 400));
        }
    }

    private async Task<AppliedEntry> ReplicateHereAsync(byte[] entry, CancellationToken ct)
    {
        var submission = LogEntryPayload.SubmissionOf(entry);
        var outcome = _pending.Register(submission);
        try
        {
            await _raft.ReplicateAsync(entry, null, ct);
            return await outcome.WaitAsync(ct);
        }
        finally
        {
            _pending.Forget(submission);
        }
    }

    /// <summary>
    /// Returns once this replica applied everything committed when called (linearizable reads). On a
    /// follower the barrier asks the leader for its commit index; a leader that just died answers with
    /// MemberUnavailableException until the follower learns of the next one, so that is waited out
    /// (as <see cref="SubmitAsync"/> does) within the write timeout, then refused as no quorum.
    /// </summary>
    public async ValueTask ReadBarrierAsync(CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping.Token);
        deadline.CancelAfter(_settings.WriteTimeout);
        var pause = TimeSpan.FromMilliseconds(20);
        try
        {
            while (true)
            {
                try
                {
                    await _raft.ApplyReadBarrierAsync(deadline.Token);
                    return;
                }
                catch (DotNext.Net.Cluster.MemberUnavailableException)
                {
                    // the leader this node knew is gone: wait for the next one
                }
                await Task.Delay(pause, deadline.Token);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 400));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or QuorumUnreachableException && !ct.IsCancellationRequested)
        {
            throw NoQuorum();
        }
    }

    /// <summary>
    /// Waits (up to <paramref name="timeout"/>) until <paramref name="clusterEndpoint"/> is no longer a Raft member as
    /// this node sees the committed configuration: removeNode answers once the leader has acted on it.
    /// </summary>
    public async Task<bool> WaitUntilNotMemberAsync(string clusterEndpoint, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_raft.Members.Any(m => m.EndPoint.ToString() == clusterEndpoint))
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(100, ct);
        }
        return true;
    }

    private string? ServiceEndpointOf(string clusterEndpoint) =>
        _state.Partition?.Nodes.FirstOrDefault(n => n.ClusterEndpoint == clusterEndpoint)?.ServiceEndpoint;

    private static HsmException NoQuorum() =>
        new(HsmError.RET_CLUSTER_NO_QUORUM, "No majority of the cluster's nodes is reachable: changes are refused until one is (keys can still be used).");

    /// <summary>This node's view: role, term and log positions.</summary>
    public ClusterStatus Status()
    {
        var role = IsLeader ? "leader" : _raft.Leader is null ? "candidate" : "follower";
        return new ClusterStatus(role, ((IPersistentState)_wal).Term, _wal.LastCommittedEntryIndex, _wal.LastAppliedIndex, _wal.LastEntryIndex, LeaderEndpoint);
    }

    /// <summary>
    /// On the leader, every second: the Raft members follow the partition's admitted nodes. A node admitted but
    /// not a member is added once it answers (it catches up first); a member no longer admitted is removed.
    /// </summary>
    private async Task KeepMembershipAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                if (!IsLeader || _state.Partition is not { Nodes.Count: > 0 } partition) continue;
                var admitted = partition.Nodes.Select(n => n.ClusterEndpoint).ToHashSet();
                var members = _raft.Members.Select(m => m.EndPoint.ToString()!).ToHashSet();
                foreach (var endpoint in admitted.Except(members))
                {
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    attempt.CancelAfter(TimeSpan.FromSeconds(20));
                    await _raft.AddMemberAsync(IPEndPoint.Parse(endpoint), attempt.Token);
                }
                foreach (var endpoint in members.Except(admitted))
                {
                    if (endpoint == LocalEndpoint)
                    {
                        await ((DotNext.Net.Cluster.ICluster)_raft).ResignAsync(ct);
                        continue;
                    }
                    await _raft.RemoveMemberAsync(IPEndPoint.Parse(endpoint), ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or NotLeaderException or IOException
                or System.Net.Sockets.SocketException or TimeoutException)
            {
                // not reachable yet, or leadership moved: the next round tries again
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_membership is not null) await _membership.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await _raft.StopAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
        }
        _raft.Dispose();
        await _wal.DisposeAsync();
        await StateMachine.DisposeAsync();
        _stopping.Dispose();
    }
}

/// <summary>A node's Raft position, as getClusterInfo shows it.</summary>
public sealed record ClusterStatus(string Role, long Term, long CommitIndex, long AppliedIndex, long LastIndex, string? Leader);
