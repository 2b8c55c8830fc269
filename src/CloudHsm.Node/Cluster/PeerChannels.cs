using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CloudHsm.Cluster.Replication;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Node.Hosting;
using CloudHsm.Protocol;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace CloudHsm.Node.Cluster;

/// <summary>
/// This node's calls to its peers' client API: TLS with this node's certificate as client certificate, and a
/// peer accepted only if it presents the partition's own TLS identity (its public key is the partition identity
/// key). Forwards writes to the leader (<see cref="ILeaderForwarder"/>), and asks peers for status and digests.
/// </summary>
public sealed class PeerChannels(NodeRuntime node) : ILeaderForwarder, IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new();

    public async Task<AppliedEntry> ForwardAsync(string leaderServiceEndpoint, byte[] entry, CancellationToken ct)
    {
        try
        {
            var reply = await Client(leaderServiceEndpoint).SubmitAsync(new PeerSubmitRequest { Entry = ByteString.CopyFrom(entry) },
                deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct);
            return new AppliedEntry(new CommandResult(reply.Replayed, [.. reply.Handles]), reply.Index);
        }
        catch (RpcException e) when (e.Trailers.GetValue(WireNames.ErrorTrailer) is { } name && Enum.TryParse<HsmError>(name, out var error)
            && error is not HsmError.RET_NODE_NOT_READY and not HsmError.RET_CLUSTER_NO_QUORUM)
        {
            throw new HsmException(error, e.Status.Detail);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !ct.IsCancellationRequested)
        {
            throw new LeaderUnreachableException($"The leader at {leaderServiceEndpoint} did not take the write ({e.StatusCode}).", e);
        }
    }

    public async Task<ClusterNode?> StatusAsync(string serviceEndpoint, CancellationToken ct)
    {
        try
        {
            return await Client(serviceEndpoint).GetStatusAsync(new Empty(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: ct);
        }
        catch (RpcException)
        {
            return null;
        }
    }

    public async Task<NodeDigest?> DigestAsync(string serviceEndpoint, CancellationToken ct)
    {
        try
        {
            return await Client(serviceEndpoint).GetDigestAsync(new Empty(), deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct);
        }
        catch (RpcException)
        {
            return null;
        }
    }

    private ClusterPeer.ClusterPeerClient Client(string endpoint) => new(_channels.GetOrAdd(endpoint, Create));

    private GrpcChannel Create(string endpoint)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                LocalCertificateSelectionCallback = (_, _, _, _, _) => node.ClusterCertificate!,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => IsPartitionIdentity(certificate),
            },
        };
        return GrpcChannel.ForAddress("https://" + endpoint, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 64 * 1024 * 1024 });
    }

    private bool IsPartitionIdentity(X509Certificate? certificate)
    {
        if (certificate is null || node.Store.Partition?.IdentityPublicKey is not { } identity) return false;
        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var key = copy.GetRSAPublicKey();
        return key is not null && key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(identity);
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values) channel.Dispose();
    }
}
