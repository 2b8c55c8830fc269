namespace CloudHsm.Core.Partition;

/// <summary>Certificate slots of storeCert/getCert, as Azure numbers them.</summary>
public static class CertificateSlots
{
    /// <summary>PO.crt: the partition owner's certificate, the trust anchor.</summary>
    public const int Owner = 4;
    /// <summary>POAC.crt: the partition certificate issued by the PO.</summary>
    public const int PartitionOwnerAuthorized = 8;
}
