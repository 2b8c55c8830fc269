using CloudHsm.Core.Partition;
using CloudHsm.Node.Hosting;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Empty = CloudHsm.Protocol.V1.Empty;
using PartitionInfo = CloudHsm.Protocol.V1.PartitionInfo;
using PartitionStatus = CloudHsm.Core.Partition.PartitionStatus;

namespace CloudHsm.Node.Services;

/// <summary>gRPC Partition service: maps requests onto <see cref="PartitionService"/>.</summary>
public sealed class PartitionGrpcService(NodeRuntime node) : Protocol.V1.Partition.PartitionBase
{
    private static readonly string Version = typeof(PartitionGrpcService).Assembly.GetName().Version?.ToString() ?? "0";
    private PartitionService Service => node.Service;

    public override Task<PartitionInfo> GetPartitionInfo(Empty request, ServerCallContext context)
    {
        var info = Service.GetInfo();
        var reply = new PartitionInfo
        {
            SerialNumber = info.SerialNumber,
            Status = ToWire(info.Status),
            Users = info.Users,
            MaxUsers = info.MaxUsers,
            OwnerFingerprintSha256 = info.OwnerFingerprint ?? "",
            AppliedCommands = info.AppliedCommands,
            MinPasswordLength = info.MinPasswordLength,
            LockoutThreshold = info.LockoutThreshold,
            NodeVersion = Version,
            Keys = info.Keys,
            MaxKeys = info.MaxKeys,
            PrivateKeys = info.KeyUsage.PrivateKeys,
            PublicKeys = info.KeyUsage.PublicKeys,
            SecretKeys = info.KeyUsage.SecretKeys,
            StaleKeys = info.KeyUsage.StaleKeys,
            StaleDays = info.KeyUsage.StaleDays,
            SessionKeys = node.Objects.SessionKeys.Count,
        };
        if (info.OwnerNotAfter is { } notAfter) reply.OwnerNotAfter = Timestamp.FromDateTimeOffset(notAfter);
        if (info.ActivatedAt is { } activated) reply.ActivatedAt = Timestamp.FromDateTimeOffset(activated);
        return Task.FromResult(reply);
    }

    public override async Task<ClusterInfo> GetClusterInfo(Empty request, ServerCallContext context)
    {
        if (node.View is { } view) return await view.InfoAsync(context.CancellationToken);
        var info = Service.GetInfo();
        var reply = new ClusterInfo { SerialNumber = info.SerialNumber, InSync = true };
        foreach (var endpoint in node.Options.Listen)
        {
            reply.Nodes.Add(new Protocol.V1.ClusterNode { Id = "node-1", Endpoint = endpoint.ToString(), Role = "standalone", Healthy = true, AppliedCommands = info.AppliedCommands });
        }
        return reply;
    }

    public override Task<PemReply> GetCertReq(Empty request, ServerCallContext context) =>
        Task.FromResult(new PemReply { Pem = Service.GetCertificateRequest(context.RequireLogin(Service.Sessions)) });

    public override async Task<Empty> StoreCert(StoreCertRequest request, ServerCallContext context)
    {
        await Service.StoreCertificateAsync(context.RequireLogin(Service.Sessions), request.Slot, request.Certificate.Memory, context.CancellationToken);
        return new Empty();
    }

    public override Task<PemReply> GetCert(GetCertRequest request, ServerCallContext context) =>
        Task.FromResult(new PemReply { Pem = Service.GetCertificate(context.RequireLogin(Service.Sessions), request.Slot) });

    public override async Task<Empty> Zeroize(ZeroizeRequest request, ServerCallContext context)
    {
        await Service.ZeroizeAsync(context.RequireLogin(Service.Sessions), request.ConfirmSerialNumber, context.CancellationToken);
        return new Empty();
    }

    internal static Protocol.V1.PartitionStatus ToWire(PartitionStatus status) => status switch
    {
        PartitionStatus.NotActivated => Protocol.V1.PartitionStatus.NotActivated,
        PartitionStatus.Active => Protocol.V1.PartitionStatus.Active,
        _ => Protocol.V1.PartitionStatus.Zeroized,
    };
}
