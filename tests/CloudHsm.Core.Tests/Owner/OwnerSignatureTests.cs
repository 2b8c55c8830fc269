using System.Security.Cryptography;
using CloudHsm.Core.Owner;
using CloudHsm.Core.Tests.Support;

namespace CloudHsm.Core.Tests.Owner;

/// <summary>A CO-recovery challenge is answered with the PO key (RSA PKCS#1 v1.5, SHA-256).</summary>
public class OwnerSignatureTests
{
    private static readonly OwnerTools.OwnerIdentity Owner = OwnerTools.CreateOwner("CN=Owner", 365);
    private static readonly byte[] Nonce = RandomNumberGenerator.GetBytes(48);

    [Fact]
    public void SignatureBySignChallenge_Verifies()
    {
        var signature = OwnerTools.SignChallenge(Nonce, Owner.PrivateKeyPem);

        Assert.True(OwnerCertificates.VerifyOwnerSignature(TestCertificates.Der(Owner), Nonce, signature));
    }

    [Fact]
    public void SignatureByAnotherKey_DoesNotVerify()
    {
        var other = OwnerTools.CreateOwner("CN=Owner", 365);
        var signature = OwnerTools.SignChallenge(Nonce, other.PrivateKeyPem);

        Assert.False(OwnerCertificates.VerifyOwnerSignature(TestCertificates.Der(Owner), Nonce, signature));
    }

    [Fact]
    public void SignatureOverAnotherNonce_DoesNotVerify()
    {
        var signature = OwnerTools.SignChallenge(RandomNumberGenerator.GetBytes(48), Owner.PrivateKeyPem);

        Assert.False(OwnerCertificates.VerifyOwnerSignature(TestCertificates.Der(Owner), Nonce, signature));
    }

    [Fact]
    public void TruncatedSignature_DoesNotVerify()
    {
        var signature = OwnerTools.SignChallenge(Nonce, Owner.PrivateKeyPem);

        Assert.False(OwnerCertificates.VerifyOwnerSignature(TestCertificates.Der(Owner), Nonce, signature.AsSpan(1)));
        Assert.False(OwnerCertificates.VerifyOwnerSignature(TestCertificates.Der(Owner), Nonce, []));
    }
}
