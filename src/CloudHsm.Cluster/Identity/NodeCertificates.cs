using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CloudHsm.Cluster.Identity;

/// <summary>
/// Certificates of cluster nodes, issued by the partition identity key (the key POAC.crt certifies, so a node
/// certificate chains to the owner's PO.crt). Each names the node id and the endpoint of its cluster channel
/// in URI subject alternative names; peers check both, so one node's certificate cannot pose as another node.
/// </summary>
public static class NodeCertificates
{
    private const string NodeUriPrefix = "urn:cloudhsm:node:";
    private const string EndpointUriPrefix = "urn:cloudhsm:cluster:";
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(5 * 365);

    /// <summary>Issues a node certificate (DER) signed by the partition identity key.</summary>
    public static byte[] Issue(RSA partitionIdentity, string serialNumber, byte[] nodeTlsPublicKey, string clusterEndpoint, DateTimeOffset now)
    {
        var nodeId = NodeIdentity.IdOf(nodeTlsPublicKey);
        using var nodeKey = ECDsa.Create();
        nodeKey.ImportSubjectPublicKeyInfo(nodeTlsPublicKey, out _);
        var request = new CertificateRequest(new X500DistinguishedName($"CN=cloudhsm-node-{nodeId}, O=CloudHSM partition {serialNumber}"),
            nodeKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(NodeUriPrefix + nodeId));
        names.AddUri(new Uri(EndpointUriPrefix + clusterEndpoint));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuth), new Oid(ClientAuth)], false));
        var issuer = new X500DistinguishedName($"CN=CloudHSM partition {serialNumber}");
        var generator = X509SignatureGenerator.CreateForRSA(partitionIdentity, RSASignaturePadding.Pkcs1);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(issuer, generator, now.AddMinutes(-5), now.Add(Lifetime), serial);
        return certificate.RawData;
    }

    /// <summary>
    /// The node a certificate was issued to, if it was issued by the partition identity key, is valid now and
    /// names the key it carries; otherwise null.
    /// </summary>
    public static NodeName? Verify(X509Certificate2 certificate, ReadOnlySpan<byte> partitionIdentityPublicKey, DateTimeOffset now)
    {
        try
        {
            if (now < certificate.NotBefore || now > certificate.NotAfter) return null;
            if (!SignedBy(certificate.RawData, partitionIdentityPublicKey)) return null;
            using var key = certificate.GetECDsaPublicKey();
            if (key is null) return null;
            var id = NodeIdentity.IdOf(key.ExportSubjectPublicKeyInfo());
            string? named = null, endpoint = null;
            foreach (var uri in UrisOf(certificate))
            {
                if (uri.StartsWith(NodeUriPrefix, StringComparison.Ordinal)) named = uri[NodeUriPrefix.Length..];
                else if (uri.StartsWith(EndpointUriPrefix, StringComparison.Ordinal)) endpoint = uri[EndpointUriPrefix.Length..];
            }
            return named == id && endpoint is not null ? new NodeName(id, endpoint) : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static IEnumerable<string> UrisOf(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (extension is null) yield break;
        // GeneralName uniformResourceIdentifier is [6] IA5String.
        var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
        while (reader.HasData)
        {
            var tag = reader.PeekTag();
            if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 6)
            {
                yield return reader.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 6));
            }
            else
            {
                reader.ReadEncodedValue();
            }
        }
    }

    /// <summary>Checks the certificate's signature (RSA PKCS#1 v1.5, SHA-256) with the partition identity key.</summary>
    private static bool SignedBy(byte[] der, ReadOnlySpan<byte> issuerPublicKey)
    {
        var certificate = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbs = certificate.ReadEncodedValue();
        var algorithm = certificate.ReadSequence();
        if (algorithm.ReadObjectIdentifier() != "1.2.840.113549.1.1.11") return false;
        var signature = certificate.ReadBitString(out _);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(issuerPublicKey, out _);
        return rsa.VerifyData(tbs.Span, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }
}

/// <summary>What a valid node certificate says: the node id and its cluster endpoint.</summary>
public sealed record NodeName(string Id, string ClusterEndpoint);
