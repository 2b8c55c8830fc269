using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CloudHsm.Core.Owner;

/// <summary>
/// The partition identity key: generated inside the node, kept sealed, never exported. It signs the
/// partition CSR, and with the POAC it is the node's TLS identity once the partition is active.
/// </summary>
public static class PartitionIdentity
{
    public static string Subject(string serial) => $"CN=CloudHSM partition {serial}, O=CloudHSM";

    /// <summary>Creates a key and returns (PKCS#8 private key, SubjectPublicKeyInfo). The caller seals and wipes the first.</summary>
    public static (byte[] PrivateKey, byte[] PublicKey) Generate()
    {
        using var rsa = RSA.Create(2048);
        return (rsa.ExportPkcs8PrivateKey(), rsa.ExportSubjectPublicKeyInfo());
    }

    public static RSA Load(ReadOnlySpan<byte> pkcs8)
    {
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(pkcs8, out _);
        return rsa;
    }

    /// <summary>The PKCS#10 request that the owner signs into POAC.crt (PEM).</summary>
    public static string CreateSigningRequest(RSA key, string serial)
    {
        var request = new CertificateRequest(Subject(serial), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSigningRequestPem();
    }

    /// <summary>A self-signed certificate (with its private key) for TLS before activation; clients pin it explicitly.</summary>
    public static X509Certificate2 CreateBootstrapCertificate(RSA key, string serial, IEnumerable<string> hostNames)
    {
        var request = new CertificateRequest(Subject(serial) + ", OU=not activated", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var host in hostNames)
        {
            if (System.Net.IPAddress.TryParse(host, out var ip)) san.AddIpAddress(ip); else san.AddDnsName(host);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        // Fixed dates and a serial taken from the key keep the certificate byte-identical across
        // restarts of one partition (RSA PKCS#1 v1.5 signatures are deterministic), so a pin holds.
        var certSerial = SHA256.HashData(key.ExportSubjectPublicKeyInfo()).AsSpan(0, 16).ToArray();
        certSerial[0] &= 0x7F;
        using var cert = request.Create(request.SubjectName, X509SignatureGenerator.CreateForRSA(key, RSASignaturePadding.Pkcs1),
            new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero), certSerial);
        return cert.CopyWithPrivateKey(key);
    }
}
