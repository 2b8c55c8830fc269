namespace CloudHsm.Core.Partition;

/// <summary>
/// A node admitted to the partition's cluster: its id (a digest of its TLS public key), the endpoint of its
/// Raft channel, the endpoint of its client API (gRPC), and the certificate the partition issued to it.
/// </summary>
public sealed record ClusterNode(string Id, string ClusterEndpoint, string ServiceEndpoint, byte[] Certificate, DateTimeOffset AdmittedAt)
{
    public bool Equals(ClusterNode? other) =>
        other is not null && Id == other.Id && ClusterEndpoint == other.ClusterEndpoint && ServiceEndpoint == other.ServiceEndpoint
        && Certificate.AsSpan().SequenceEqual(other.Certificate) && AdmittedAt == other.AdmittedAt;

    public override int GetHashCode() => HashCode.Combine(Id, ClusterEndpoint);
}
