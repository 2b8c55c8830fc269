namespace CloudHsm.Core.Partition;

/// <summary>Lifecycle of the partition: NotActivated -> Active, and Zeroized by a CO.</summary>
public enum PartitionStatus
{
    NotActivated,
    Active,
    Zeroized,
}
