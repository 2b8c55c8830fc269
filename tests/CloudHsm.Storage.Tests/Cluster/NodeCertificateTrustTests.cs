using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudHsm.Cluster.Identity;
using CloudHsm.Cluster.Transport;

namespace CloudHsm.Storage.Tests.Cluster;

/// <summary>
/// Which node certificates the cluster channel accepts: only those the partition's identity key issued, that name
/// the key they carry, are valid now, and (once the partition state is known) belong to an admitted node.
/// </summary>
public sealed class NodeCertificateTrustTests : IDisposable
{
    private const string Endpoint = "127.0.0.1:2227";
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly RSA _partition = RSA.Create(2048);
    private readonly RSA _otherPartition = RSA.Create(2048);
    private readonly ECDsa _nodeKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private byte[] PartitionPublicKey => _partition.ExportSubjectPublicKeyInfo();
    private string NodeId => NodeIdentity.IdOf(_nodeKey.ExportSubjectPublicKeyInfo());

    private X509Certificate2 Issue(RSA issuer) =>
        X509CertificateLoader.LoadCertificate(NodeCertificates.Issue(issuer, "6CB71793D9002809", _nodeKey.ExportSubjectPublicKeyInfo(), Endpoint, Now));

    private ClusterTrust Trust(IReadOnlyCollection<string>? admitted, byte[]? identity = null) =>
        new(() => identity ?? PartitionPublicKey, () => admitted, new FixedClock(Now));

    [Fact]
    public void ACertificateIssuedByThePartitionNamesItsNodeAndEndpoint()
    {
        using var certificate = Issue(_partition);
        Assert.Equal(new NodeName(NodeId, Endpoint), NodeCertificates.Verify(certificate, PartitionPublicKey, Now));
    }

    [Fact]
    public void ACertificateIssuedByAnotherPartitionsIdentityKeyIsRefused()
    {
        using var certificate = Issue(_otherPartition);
        Assert.Null(NodeCertificates.Verify(certificate, PartitionPublicKey, Now));
        Assert.Null(Trust(admitted: [NodeId]).Verify(certificate));
        Assert.Null(Trust(admitted: null).Verify(certificate)); // not even while a joining node waits for the partition state
    }

    [Fact]
    public void ACertificateWhoseNodeNameIsAnotherKeysIdIsRefusedEvenWhenThePartitionSignedIt()
    {
        using var otherNode = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherId = NodeIdentity.IdOf(otherNode.ExportSubjectPublicKeyInfo());
        using var posing = SignedByPartition(_nodeKey, otherId, Endpoint);
        Assert.Null(NodeCertificates.Verify(posing, PartitionPublicKey, Now));
        Assert.Null(Trust(admitted: [otherId, NodeId]).Verify(posing));

        // The same construction naming the key it carries is accepted: the refusal is the name, not the construction.
        using var honest = SignedByPartition(_nodeKey, NodeId, Endpoint);
        Assert.Equal(new NodeName(NodeId, Endpoint), NodeCertificates.Verify(honest, PartitionPublicKey, Now));
    }

    [Fact]
    public void ASelfSignedCertificateNamingAnAdmittedNodeIsRefused()
    {
        var request = NodeRequest(_nodeKey, NodeId, Endpoint);
        using var selfSigned = request.CreateSelfSigned(Now.AddMinutes(-5), Now.AddDays(1));
        Assert.Null(NodeCertificates.Verify(selfSigned, PartitionPublicKey, Now));
        Assert.Null(Trust(admitted: [NodeId]).Verify(selfSigned));
    }

    [Fact]
    public void ACertificateOutsideItsValidityIsRefused()
    {
        using var certificate = Issue(_partition);
        Assert.Null(NodeCertificates.Verify(certificate, PartitionPublicKey, Now.Add(NodeCertificates.Lifetime).AddDays(1)));
        Assert.Null(NodeCertificates.Verify(certificate, PartitionPublicKey, Now.AddHours(-1)));
    }

    [Fact]
    public void ThePartitionsCertificateOfANodeNotAdmittedOrRemovedIsRefused()
    {
        using var certificate = Issue(_partition);
        Assert.Equal(NodeId, Trust(admitted: [NodeId, "5f7a5b885b62a9a5ff5a440283beb021"]).Verify(certificate)?.Id);
        Assert.Null(Trust(admitted: ["5f7a5b885b62a9a5ff5a440283beb021"]).Verify(certificate));
    }

    [Fact]
    public void WithoutThePartitionIdentityKeyNothingIsTrusted()
    {
        using var certificate = Issue(_partition);
        var trust = new ClusterTrust(() => null, () => [NodeId], new FixedClock(Now));
        Assert.Null(trust.Verify(certificate));
    }

    private X509Certificate2 SignedByPartition(ECDsa key, string nodeId, string endpoint)
    {
        var request = NodeRequest(key, nodeId, endpoint);
        var generator = X509SignatureGenerator.CreateForRSA(_partition, RSASignaturePadding.Pkcs1);
        using var certificate = request.Create(new X500DistinguishedName("CN=CloudHSM partition 6CB71793D9002809"), generator,
            Now.AddMinutes(-5), Now.AddDays(1), [1, 2, 3, 4]);
        return X509CertificateLoader.LoadCertificate(certificate.RawData);
    }

    private static CertificateRequest NodeRequest(ECDsa key, string nodeId, string endpoint)
    {
        var request = new CertificateRequest($"CN=cloudhsm-node-{nodeId}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri($"urn:cloudhsm:node:{nodeId}"));
        names.AddUri(new Uri($"urn:cloudhsm:cluster:{endpoint}"));
        request.CertificateExtensions.Add(names.Build());
        return request;
    }

    public void Dispose()
    {
        _partition.Dispose();
        _otherPartition.Dispose();
        _nodeKey.Dispose();
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
