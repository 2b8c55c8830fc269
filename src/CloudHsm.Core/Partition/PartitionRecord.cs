namespace CloudHsm.Core.Partition;

/// <summary>
/// The partition's own state (one record). The identity private key is held only sealed under
/// the domain key; the public key and certificates are public.
/// </summary>
public sealed record PartitionRecord
{
    public required string SerialNumber { get; init; }
    public required PartitionStatus Status { get; init; }
    public required PartitionPolicy Policy { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>SubjectPublicKeyInfo of the partition identity key (what the POAC must certify).</summary>
    public required byte[] IdentityPublicKey { get; init; }
    /// <summary>PKCS#8 private key, sealed (<see cref="Sealing.SealPurpose.IdentityKey"/>).</summary>
    public required byte[] SealedIdentityKey { get; init; }
    /// <summary>DER of PO.crt (slot 4), once stored.</summary>
    public byte[]? OwnerCertificate { get; init; }
    /// <summary>DER of POAC.crt (slot 8), once stored.</summary>
    public byte[]? PartitionCertificate { get; init; }
    public DateTimeOffset? ActivatedAt { get; init; }
    public DateTimeOffset? ZeroizedAt { get; init; }
    public int NextUserId { get; init; } = 1;
    public IReadOnlyList<OwnerChallenge> Challenges { get; init; } = [];
    /// <summary>Number of commands applied so far (the replicated log index of the last one).</summary>
    public long AppliedCommands { get; init; }
    /// <summary>The nodes admitted to the cluster (empty for a standalone node).</summary>
    public IReadOnlyList<ClusterNode> Nodes { get; init; } = [];
}
