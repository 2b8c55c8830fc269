namespace CloudHsm.Core.Partition;

/// <summary>What getPartitionInfo shows: public facts only.</summary>
public sealed record PartitionInfo(string SerialNumber, PartitionStatus Status, int Users, int MaxUsers,
    string? OwnerFingerprint, DateTimeOffset? OwnerNotAfter, DateTimeOffset? ActivatedAt, long AppliedCommands,
    int MinPasswordLength, int LockoutThreshold, int Keys, int MaxKeys)
{
    /// <summary>Token keys by class: PKCS#11 private, public and secret keys (a pair counts two).</summary>
    public KeyUsage KeyUsage { get; init; } = new(0, 0, 0, 0, 0);
}

/// <summary>Capacity use by class, and the keys not used for <see cref="StaleDays"/> days (rotate or delete them).</summary>
public sealed record KeyUsage(int PrivateKeys, int PublicKeys, int SecretKeys, int StaleKeys, int StaleDays)
{
    public const int DefaultStaleDays = 90;
}
