using CloudHsm.Core.Errors;
using CloudHsm.Core.Owner;
using CloudHsm.Core.Tests.Support;

namespace CloudHsm.Core.Tests.Owner;

/// <summary>POAC.crt (slot 8) must be signed by the stored PO and certify this partition's identity key.</summary>
public class PartitionCertificateTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly OwnerTools.OwnerIdentity Owner = OwnerTools.CreateOwner("CN=Owner", 365);
    private static readonly (byte[] PublicKey, byte[] Csr) Partition = TestCertificates.NewPartition("00AA11BB22CC33DD");

    [Fact]
    public void PoacSignedByTheOwnerOverThePartitionCsr_IsAccepted()
    {
        var poac = TestCertificates.SignPartition(Owner, Partition.Csr);

        var der = OwnerCertificates.ValidatePartitionCertificate(poac, TestCertificates.Der(Owner), Partition.PublicKey, Now);

        Assert.Equal(OwnerCertificates.ToDer(poac), der);
    }

    [Fact]
    public void PoacSignedByAnotherOwner_IsRefused()
    {
        var other = OwnerTools.CreateOwner("CN=Owner", 365); // same name, other key
        var poac = TestCertificates.SignPartition(other, Partition.Csr);

        AssertRefused(HsmError.RET_CERT_CHAIN_INVALID, poac, Partition.PublicKey);
    }

    [Fact]
    public void OwnerCertificateItself_IsRefusedAsPoac() =>
        AssertRefused(HsmError.RET_CERT_CHAIN_INVALID, TestCertificates.Der(Owner), Partition.PublicKey);

    [Fact]
    public void PoacForAnotherPartitionsKey_IsRefused()
    {
        var another = TestCertificates.NewPartition("FFEEDDCCBBAA0099");
        var poac = TestCertificates.SignPartition(Owner, another.Csr);

        AssertRefused(HsmError.RET_POLICY_MISMATCH, poac, Partition.PublicKey);
    }

    [Fact]
    public void PoacAfterItsValidity_IsRefused()
    {
        var poac = TestCertificates.SignPartition(Owner, Partition.Csr);

        var e = Assert.Throws<HsmException>(() => OwnerCertificates.ValidatePartitionCertificate(
            poac, TestCertificates.Der(Owner), Partition.PublicKey, Now.AddDays(31)));
        Assert.Equal(HsmError.RET_CERT_INVALID, e.Error);
    }

    private static void AssertRefused(HsmError expected, byte[] poac, byte[] identityPublicKey)
    {
        var e = Assert.Throws<HsmException>(() => OwnerCertificates.ValidatePartitionCertificate(
            poac, TestCertificates.Der(Owner), identityPublicKey, Now));
        Assert.Equal(expected, e.Error);
    }
}
