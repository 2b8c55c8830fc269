using System.Text;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Owner;
using CloudHsm.Core.Tests.Support;

namespace CloudHsm.Core.Tests.Owner;

/// <summary>PO.crt (slot 4) must be an RSA-2048, self-signed CA certificate, valid now.</summary>
public class OwnerCertificateTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public void OwnerFromOwnerTools_IsAccepted_AsPemOrDer()
    {
        var owner = OwnerTools.CreateOwner("CN=Owner", 365);
        var der = TestCertificates.Der(owner);

        Assert.Equal(der, OwnerCertificates.ValidateOwner(Encoding.ASCII.GetBytes(owner.CertificatePem), Now));
        Assert.Equal(der, OwnerCertificates.ValidateOwner(der, Now));
    }

    [Fact]
    public void OwnerWithAnRsa3072Key_IsRefused() =>
        AssertRefused(TestCertificates.SelfSignedRsa(3072, certificateAuthority: true), Now);

    [Fact]
    public void OwnerWithAnEcKey_IsRefused() =>
        AssertRefused(TestCertificates.SelfSignedEcdsaCa(), Now);

    [Fact]
    public void OwnerThatIsNotACa_IsRefused() =>
        AssertRefused(TestCertificates.SelfSignedRsa(2048, certificateAuthority: false), Now);

    [Fact]
    public void OwnerIssuedByAnotherCa_IsRefused() =>
        AssertRefused(TestCertificates.CaIssuedByAnotherCa(), Now);

    [Fact]
    public void OwnerOutsideItsValidity_IsRefused()
    {
        var der = TestCertificates.Der(OwnerTools.CreateOwner("CN=Owner", 10));

        AssertRefused(der, Now.AddDays(11));
        AssertRefused(der, Now.AddDays(-1));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a certificate")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")]
    [InlineData("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")]
    public void GarbageInsteadOfACertificate_IsRefused(string text) =>
        AssertRefused(Encoding.ASCII.GetBytes(text), Now);

    [Fact]
    public void RandomBytesInsteadOfACertificate_AreRefused() =>
        AssertRefused([0x30, 0x82, 0x01, 0x00, 0xde, 0xad, 0xbe, 0xef], Now);

    [Fact]
    public void OversizedCertificate_IsRefused() =>
        AssertRefused(new byte[OwnerCertificates.MaxCertificateBytes + 1], Now);

    private static void AssertRefused(byte[] certificate, DateTimeOffset now)
    {
        var e = Assert.Throws<HsmException>(() => OwnerCertificates.ValidateOwner(certificate, now));
        Assert.Equal(HsmError.RET_CERT_INVALID, e.Error);
    }
}
