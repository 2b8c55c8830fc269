using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudHsm.Core.Errors;

namespace CloudHsm.Core.Keys;

/// <summary>
/// The CKA_VALUE of a certificate object: one DER X.509 certificate, checked by parsing it, and the
/// attributes read from it (SUBJECT, ISSUER and SERIAL_NUMBER as DER, CHECK_VALUE as PKCS#11 defines
/// it for certificates: the first 3 bytes of the SHA-1 of the value).
/// </summary>
public static class CertificateValue
{
    /// <summary>The attributes derived from a certificate; RET_CERT_INVALID when it is not one DER X.509 certificate.</summary>
    public static AttributeSet Derive(ReadOnlySpan<byte> der)
    {
        if (der.IsEmpty)
        {
            throw new HsmException(HsmError.RET_TEMPLATE_INCOMPLETE, "A certificate object's template holds its VALUE (a DER X.509 certificate).");
        }
        try
        {
            // One DER element and nothing else: no PEM text, no trailing bytes.
            var reader = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            var serial = new AsnWriter(AsnEncodingRules.DER);
            serial.WriteInteger(certificate.SerialNumberBytes.Span);
            return AttributeSet.Empty
                .With(AttributeId.Subject, certificate.SubjectName.RawData)
                .With(AttributeId.Issuer, certificate.IssuerName.RawData)
                .With(AttributeId.SerialNumber, serial.Encode())
                .With(AttributeId.CheckValue, SHA1.HashData(der)[..3]);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
        {
            throw new HsmException(HsmError.RET_CERT_INVALID, "The certificate's VALUE is not a DER X.509 certificate.");
        }
    }
}
