using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudHsm.Core.Errors;

namespace CloudHsm.Core.Owner;

/// <summary>
/// What the partition owner does offline, with no node: make PO.key/PO.crt, sign a partition CSR
/// into POAC.crt, and sign a CO-recovery challenge. Equivalent to the openssl commands in the README.
/// </summary>
public static class OwnerTools
{
    public sealed record OwnerIdentity(string PrivateKeyPem, string CertificatePem);

    public static OwnerIdentity CreateOwner(string subject, int validDays)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(new X500DistinguishedName(subject), rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(validDays));
        return new OwnerIdentity(rsa.ExportPkcs8PrivateKeyPem(), cert.ExportCertificatePem());
    }

    /// <summary>What a certificate signed by the owner is for.</summary>
    public enum CertificatePurpose
    {
        /// <summary>POAC.crt: the partition's certificate, which nodes present (server and client auth).</summary>
        Partition,
        /// <summary>An application's client certificate: clientAuth only, so it can never pose as a node.</summary>
        Client,
    }

    /// <summary>Signs a partition CSR (PEM or DER) with the PO key into a POAC certificate (PEM).</summary>
    public static string SignPartitionRequest(ReadOnlySpan<byte> csr, string ownerCertificatePem, string ownerKeyPem, int validDays) =>
        SignRequest(csr, ownerCertificatePem, ownerKeyPem, validDays, CertificatePurpose.Partition);

    /// <summary>Signs a CSR with the PO key into a certificate for the given purpose (PEM).</summary>
    public static string SignRequest(ReadOnlySpan<byte> csr, string ownerCertificatePem, string ownerKeyPem, int validDays, CertificatePurpose purpose)
    {
        CertificateRequest request;
        try
        {
            request = ReadRequest(csr);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            throw new HsmException(HsmError.RET_INVALID_INPUT, "The CSR is not a readable, correctly signed PKCS#10 request.");
        }
        using var owner = LoadOwner(ownerCertificatePem, ownerKeyPem);
        var now = DateTimeOffset.UtcNow;
        var notAfter = now.AddDays(validDays);
        if (notAfter > owner.NotAfter) notAfter = owner.NotAfter.ToUniversalTime();
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var usages = new OidCollection { new("1.3.6.1.5.5.7.3.2") };
        if (purpose == CertificatePurpose.Partition) usages.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var poac = request.Create(owner, now.AddMinutes(-5), notAfter, serial);
        return poac.ExportCertificatePem();
    }

    /// <summary>Signs a challenge nonce with the PO key: RSA PKCS#1 v1.5 over SHA-256.</summary>
    public static byte[] SignChallenge(ReadOnlySpan<byte> nonce, string ownerKeyPem)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(ownerKeyPem);
        return rsa.SignData(nonce.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    private static CertificateRequest ReadRequest(ReadOnlySpan<byte> csr)
    {
        if (csr.Length > 0 && csr[0] == (byte)'-')
        {
            return CertificateRequest.LoadSigningRequestPem(System.Text.Encoding.ASCII.GetString(csr), HashAlgorithmName.SHA256,
                CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        }
        return CertificateRequest.LoadSigningRequest(csr.ToArray(), HashAlgorithmName.SHA256,
            CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
    }

    private static X509Certificate2 LoadOwner(string certificatePem, string keyPem)
    {
        try
        {
            return X509Certificate2.CreateFromPem(certificatePem, keyPem);
        }
        catch (CryptographicException)
        {
            throw new HsmException(HsmError.RET_INVALID_INPUT, "PO.crt and PO.key are unreadable or do not belong together.");
        }
    }
}
