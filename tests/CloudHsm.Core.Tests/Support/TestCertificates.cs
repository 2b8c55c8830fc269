using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CloudHsm.Core.Owner;

namespace CloudHsm.Core.Tests.Support;

/// <summary>Certificates that are wrong in exactly one way, made with <see cref="CertificateRequest"/>.</summary>
internal static class TestCertificates
{
    public static byte[] Der(OwnerTools.OwnerIdentity owner) => OwnerCertificates.ToDer(Encoding.ASCII.GetBytes(owner.CertificatePem));

    public static byte[] SelfSignedRsa(int keySize, bool certificateAuthority)
    {
        using var rsa = RSA.Create(keySize);
        var request = new CertificateRequest("CN=Test RSA-" + keySize, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (certificateAuthority) request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return SelfSign(request);
    }

    public static byte[] SelfSignedEcdsaCa()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Test EC CA", ecdsa, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return SelfSign(request);
    }

    /// <summary>An RSA-2048 CA certificate that another CA issued: everything a PO needs except being self-signed.</summary>
    public static byte[] CaIssuedByAnotherCa()
    {
        using var rootKey = RSA.Create(2048);
        var rootRequest = new CertificateRequest("CN=Some Root", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        using var root = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Would-be Owner", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var issued = request.Create(root, now.AddMinutes(-5), now.AddDays(10), RandomNumberGenerator.GetBytes(8));
        return issued.RawData;
    }

    /// <summary>A partition identity (PKCS#8, SubjectPublicKeyInfo) and its CSR, as the node makes them.</summary>
    public static (byte[] PublicKey, byte[] Csr) NewPartition(string serial)
    {
        var (privateKey, publicKey) = PartitionIdentity.Generate();
        using var key = PartitionIdentity.Load(privateKey);
        CryptographicOperations.ZeroMemory(privateKey);
        return (publicKey, Encoding.ASCII.GetBytes(PartitionIdentity.CreateSigningRequest(key, serial)));
    }

    public static byte[] SignPartition(OwnerTools.OwnerIdentity owner, byte[] csr) =>
        Encoding.ASCII.GetBytes(OwnerTools.SignPartitionRequest(csr, owner.CertificatePem, owner.PrivateKeyPem, 30));

    private static byte[] SelfSign(CertificateRequest request)
    {
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        return cert.RawData;
    }
}
