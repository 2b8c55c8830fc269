namespace CloudHsm.Core.Partition;

/// <summary>What getPartitionInfo shows: public facts only.</summary>
public sealed record PartitionInfo(string SerialNumber, PartitionStatus Status, int Users, int MaxUsers,
    string? OwnerFingerprint, DateTimeOffset? OwnerNotAfter, DateTimeOffset? ActivatedAt, long AppliedCommands,
    int MinPasswordLength, int LockoutThreshold, int Keys, int MaxKeys);
