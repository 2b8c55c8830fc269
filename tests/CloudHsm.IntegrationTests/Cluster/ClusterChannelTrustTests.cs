using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudHsm.Cluster.Identity;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Cluster;

/// <summary>
/// Real node processes: the Raft channel (mutual TLS) refuses a peer whose certificate was not issued within this
/// partition, even when it names an admitted node's id and cluster endpoint; and a node that belongs to another
/// partition cannot ask to join.
/// </summary>
public sealed class ClusterChannelTrustTests
{
    [Fact]
    public async Task TheClusterChannelRefusesCertificatesNotIssuedWithinThePartition()
    {
        await using var cluster = await TestCluster.StartAsync(keepDevUp: true);
        var info = await cluster.InfoAsync();
        var target = cluster.NodeRow(info, 1).GetProperty("clusterEndpoint").GetString()!;
        var admitted = cluster.NodeRow(info, 2);
        var admittedId = admitted.GetProperty("id").GetString()!;
        var admittedEndpoint = admitted.GetProperty("clusterEndpoint").GetString()!;

        using var impostorKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // 1. Self-signed, posing as admitted node 2 (its id and endpoint in the SAN URIs).
        using var selfSigned = SelfSigned(impostorKey, admittedId, admittedEndpoint);
        // 2. Issued by another partition's identity key, in the exact format of a real node certificate.
        using var otherPartition = RSA.Create(2048);
        using var foreign = WithKey(NodeCertificates.Issue(otherPartition, "0000000000000001", impostorKey.ExportSubjectPublicKeyInfo(), admittedEndpoint, DateTimeOffset.UtcNow), impostorKey);
        // 3. Issued by another partition's key, naming admitted node 2's id (but carrying the impostor's key).
        using var foreignPosing = SignedBy(otherPartition, impostorKey, admittedId, admittedEndpoint);

        // The control: node 2's own certificate and key, read from its data directory, is accepted (the channel stays open).
        using (var genuine = GenuineCertificate(cluster.DataDirectory(2)))
        {
            Assert.True(await AcceptedAsync(target, genuine), "the member refused an admitted node's own certificate");
        }
        foreach (var (name, certificate) in new[] { ("self-signed", selfSigned), ("other partition", foreign), ("other partition, posing", foreignPosing) })
        {
            Assert.False(await AcceptedAsync(target, certificate), $"{name}: the member accepted it");
        }
        Assert.False(await AcceptedAsync(target, certificate: null), "no certificate: the member accepted the connection");

        // The members still trust each other.
        var verified = await cluster.AwaitInSyncAsync(TimeSpan.FromSeconds(30));
        Assert.True(verified.ExitCode == 0, verified.ToString());
    }

    [Fact]
    public async Task ANodeFoundedInAnotherPartitionCannotMakeAJoinRequest()
    {
        var data = Directory.CreateTempSubdirectory("cloudhsm-it-other-partition-").FullName;
        try
        {
            // A one-node cluster of its own: it founds a partition (identity key, domain keys) on first start.
            var clusterPort = NodeProcess.FreePort();
            await using (await NodeProcess.StartAsync(data, "--cluster-listen", $"127.0.0.1:{clusterPort}"))
            {
            }
            var refused = await CliRunner.RunAsync(["node", "request", "--data", data, "--listen", $"127.0.0.1:{NodeProcess.FreePort()}",
                "--cluster-listen", $"127.0.0.1:{clusterPort}"]);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("RET_NODE_ALREADY_ADMITTED", refused.Stderr, StringComparison.Ordinal);

            // Nor can it be pushed into another cluster with an admission: a node holding a partition refuses --join.
            var admission = Path.Combine(data, "..", Path.GetFileName(data) + "-admission.json");
            await File.WriteAllTextAsync(admission, new CloudHsm.Cluster.Admission.NodeAdmission("0011", "FFEE", [0x30, 0x03, 0x02, 0x01, 0x00], [1], [2], []).ToJson());
            var joined = await NodeProcess.RunExpectingExitAsync(data, "--listen", $"127.0.0.1:{NodeProcess.FreePort()}",
                "--cluster-listen", $"127.0.0.1:{clusterPort}", "--join", admission);
            File.Delete(admission);
            Assert.NotEqual(0, joined.ExitCode);
            Assert.Contains("RET_NODE_ALREADY_ADMITTED", joined.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>
    /// Whether a member's cluster channel accepts a peer presenting <paramref name="certificate"/>: the TLS handshake
    /// completes and the member then waits for a request. A refused peer sees the handshake fail, or the connection
    /// closed right after it (the member checks a client certificate once the handshake is done).
    /// </summary>
    private static async Task<bool> AcceptedAsync(string endpoint, X509Certificate2? certificate)
    {
        var colon = endpoint.LastIndexOf(':');
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint[..colon], int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        await using var tls = new SslStream(tcp.GetStream());
        try
        {
            using var handshake = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "cloudhsm-node",
                EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
                ClientCertificates = certificate is null ? [] : [certificate],
                LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate!,
                // What is under test is the member's decision about us; which member answers does not matter here.
                RemoteCertificateValidationCallback = (_, server, _, _) => server is not null,
            }, handshake.Token);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            return await tls.ReadAsync(new byte[1], wait.Token) > 0;
        }
        catch (OperationCanceledException)
        {
            return true; // open and waiting for our request
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return false;
        }
    }

    /// <summary>An admitted node's certificate with its private key, as the node itself presents it.</summary>
    private static X509Certificate2 GenuineCertificate(string dataDirectory)
    {
        var masterKey = Storage.NodeMasterKey.Open(dataDirectory, new Storage.UnsealSource.KeyFile(), create: false);
        try
        {
            using var identity = NodeIdentity.OpenOrCreate(dataDirectory, masterKey);
            var file = Node.Hosting.ClusterFile.Load(dataDirectory)!;
            return WithKey(file.Certificate, identity.Tls);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(masterKey);
        }
    }

    private static X509Certificate2 SelfSigned(ECDsa key, string nodeId, string endpoint)
    {
        var request = NodeLikeRequest(key, nodeId, endpoint);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return Exportable(certificate);
    }

    private static X509Certificate2 SignedBy(RSA issuer, ECDsa key, string nodeId, string endpoint)
    {
        var request = NodeLikeRequest(key, nodeId, endpoint);
        var generator = X509SignatureGenerator.CreateForRSA(issuer, RSASignaturePadding.Pkcs1);
        using var certificate = request.Create(new X500DistinguishedName("CN=CloudHSM partition 0000000000000001"), generator,
            DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        return WithKey(certificate.RawData, key);
    }

    private static CertificateRequest NodeLikeRequest(ECDsa key, string nodeId, string endpoint)
    {
        var request = new CertificateRequest($"CN=cloudhsm-node-{nodeId}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri($"urn:cloudhsm:node:{nodeId}"));
        names.AddUri(new Uri($"urn:cloudhsm:cluster:{endpoint}"));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        return request;
    }

    private static X509Certificate2 WithKey(byte[] der, ECDsa key)
    {
        using var publicOnly = X509CertificateLoader.LoadCertificate(der);
        using var withKey = publicOnly.CopyWithPrivateKey(key);
        return Exportable(withKey);
    }

    /// <summary>A PKCS#12 round trip: on Linux, SslStream presents a client certificate's ephemeral key only after it.</summary>
    private static X509Certificate2 Exportable(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
}
