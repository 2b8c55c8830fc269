using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudHsm.Core.Errors;

namespace CloudHsm.Core.Owner;

/// <summary>
/// Validation of the owner's certificates before anything is stored: PO.crt (slot 4) must be an
/// RSA-2048 self-signed CA; POAC.crt (slot 8) must chain to that PO and certify this partition's
/// identity key.
/// </summary>
public static class OwnerCertificates
{
    public const int MaxCertificateBytes = 16 * 1024;

    public static X509Certificate2 Parse(ReadOnlySpan<byte> data, string what)
    {
        if (data.Length == 0 || data.Length > MaxCertificateBytes)
        {
            throw new HsmException(HsmError.RET_CERT_INVALID, $"{what} must be a certificate of at most {MaxCertificateBytes} bytes.");
        }
        try
        {
            return X509CertificateLoader.LoadCertificate(ToDer(data));
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            throw new HsmException(HsmError.RET_CERT_INVALID, $"{what} is not a readable X.509 certificate (PEM or DER).");
        }
    }

    /// <summary>Accepts PEM or DER and returns DER.</summary>
    public static byte[] ToDer(ReadOnlySpan<byte> data)
    {
        if (data.Length > 0 && data[0] == (byte)'-')
        {
            var text = System.Text.Encoding.ASCII.GetString(data);
            var fields = PemEncoding.Find(text);
            if (text[fields.Label] != "CERTIFICATE") throw new FormatException("not a certificate");
            return Convert.FromBase64String(text[fields.Base64Data]);
        }
        return data.ToArray();
    }

    /// <summary>Checks PO.crt and returns its DER.</summary>
    public static byte[] ValidateOwner(ReadOnlySpan<byte> data, DateTimeOffset now)
    {
        using var po = Parse(data, "PO.crt");
        using (var rsa = po.GetRSAPublicKey())
        {
            if (rsa is null || rsa.KeySize != 2048)
            {
                throw new HsmException(HsmError.RET_CERT_INVALID, "PO.crt must hold an RSA-2048 public key.");
            }
        }
        var basic = po.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (basic is null || !basic.CertificateAuthority)
        {
            throw new HsmException(HsmError.RET_CERT_INVALID, "PO.crt must be a CA certificate (basicConstraints CA:TRUE).");
        }
        CheckValidity(po, now, "PO.crt");
        if (po.SubjectName.RawData.AsSpan().SequenceEqual(po.IssuerName.RawData) is false || !ChainsTo(po, po, now))
        {
            throw new HsmException(HsmError.RET_CERT_INVALID, "PO.crt must be self-signed.");
        }
        return po.RawData;
    }

    /// <summary>Checks POAC.crt against the stored PO and the partition's identity key; returns its DER.</summary>
    public static byte[] ValidatePartitionCertificate(ReadOnlySpan<byte> data, byte[] ownerDer, byte[] identityPublicKey, DateTimeOffset now)
    {
        using var poac = Parse(data, "POAC.crt");
        using var po = X509CertificateLoader.LoadCertificate(ownerDer);
        CheckValidity(poac, now, "POAC.crt");
        if (poac.RawData.AsSpan().SequenceEqual(po.RawData) || !ChainsTo(poac, po, now))
        {
            throw new HsmException(HsmError.RET_CERT_CHAIN_INVALID, "POAC.crt is not signed by the stored PO.crt.");
        }
        if (!poac.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(identityPublicKey))
        {
            throw new HsmException(HsmError.RET_POLICY_MISMATCH,
                "POAC.crt certifies another key than this partition's (sign the CSR from this partition's getCertReq).");
        }
        return poac.RawData;
    }

    /// <summary>True when <paramref name="certificate"/> chains to <paramref name="anchor"/> as the only trusted root.</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 anchor, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(anchor);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        if (!chain.Build(certificate)) return false;
        var root = chain.ChainElements[^1].Certificate;
        return root.RawData.AsSpan().SequenceEqual(anchor.RawData);
    }

    private static void CheckValidity(X509Certificate2 certificate, DateTimeOffset now, string what)
    {
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            throw new HsmException(HsmError.RET_CERT_INVALID, $"{what} is not valid now (valid {certificate.NotBefore:u} to {certificate.NotAfter:u}).");
        }
    }

    /// <summary>Verifies a PO signature (RSA PKCS#1 v1.5, SHA-256, as <c>openssl dgst -sha256 -sign</c> makes).</summary>
    public static bool VerifyOwnerSignature(byte[] ownerDer, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        using var po = X509CertificateLoader.LoadCertificate(ownerDer);
        using var rsa = po.GetRSAPublicKey();
        return rsa is not null && signature.Length == rsa.KeySize / 8
            && rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    public static string Fingerprint(byte[] der) => Convert.ToHexString(SHA256.HashData(der));
}
