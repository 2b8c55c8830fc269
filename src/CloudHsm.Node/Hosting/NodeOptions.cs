using System.Net;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sessions;
using CloudHsm.Storage;

namespace CloudHsm.Node.Hosting;

/// <summary>Everything a node needs to start; filled from the command line.</summary>
public sealed record NodeOptions
{
    public required string DataDirectory { get; init; }
    public IReadOnlyList<IPEndPoint> Listen { get; init; } = [new(IPAddress.Loopback, Protocol.WireNames.DefaultPort)];
    /// <summary>
    /// Endpoints of the wire transport (length-prefixed messages over TLS, for the PKCS#11 module).
    /// Null: each <see cref="Listen"/> endpoint's address at port + 1; empty: none.
    /// </summary>
    public IReadOnlyList<IPEndPoint>? WireListen { get; init; }

    /// <summary>The wire endpoints the node serves (<see cref="WireListen"/> or its default).</summary>
    public IReadOnlyList<IPEndPoint> WireEndpoints => WireListen ?? [.. Listen.Select(ListenAddressPolicy.WireEndpointFor)];
    public UnsealSource Unseal { get; init; } = new UnsealSource.KeyFile();
    /// <summary>Rules of a new partition; ignored once the partition exists (they are part of its state).</summary>
    public PartitionPolicy Policy { get; init; } = PartitionPolicy.Default;
    public SessionLimits Sessions { get; init; } = new();
    /// <summary>After activation, refuse clients without a certificate that chains to PO.crt.</summary>
    public bool RequireClientCertificate { get; init; }
    /// <summary>Null: a standalone node (no replication). Set: a member of the partition's Raft cluster.</summary>
    public ClusterOptions? Cluster { get; init; }
}

/// <summary>How a node takes part in the cluster (<c>--cluster-listen</c>, <c>--join</c>, <c>--snapshot-bytes</c>).</summary>
public sealed record ClusterOptions
{
    /// <summary>The endpoint of this node's Raft channel (mutual TLS), as the other members reach it.</summary>
    public required IPEndPoint Listen { get; init; }
    /// <summary>An admission (from <c>cloudhsm cluster add-node</c>) to join with, on the node's first start.</summary>
    public string? JoinFile { get; init; }
    public long SnapshotBytes { get; init; } = 8 * 1024 * 1024;
}
