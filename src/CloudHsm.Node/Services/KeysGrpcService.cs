using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Node.Hosting;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Empty = CloudHsm.Protocol.V1.Empty;
using KeyType = CloudHsm.Core.Keys.KeyType;
using ObjectClass = CloudHsm.Core.Keys.ObjectClass;

namespace CloudHsm.Node.Services;

/// <summary>gRPC Keys service: maps requests onto <see cref="KeyService"/>.</summary>
public sealed class KeysGrpcService(NodeRuntime node) : Protocol.V1.Keys.KeysBase
{
    private const int MaxTemplateAttributes = 64;

    private KeyService Service => node.Keys;

    public override async Task<KeyHandles> GenerateKey(GenerateKeyRequest request, ServerCallContext context)
    {
        var login = context.RequireLogin(node.Service.Sessions);
        var handle = await Service.GenerateSymmetricAsync(login, (KeyType)request.KeyType, request.LengthBytes, Template(request.Template), context.CancellationToken);
        return new KeyHandles { Handles = { handle } };
    }

    public override async Task<KeyHandles> GenerateKeyPair(GenerateKeyPairRequest request, ServerCallContext context)
    {
        var login = context.RequireLogin(node.Service.Sessions);
        var (privateHandle, publicHandle) = await Service.GenerateKeyPairAsync(login, (KeyType)request.KeyType, request.Parameter,
            Template(request.PrivateTemplate), Template(request.PublicTemplate), context.CancellationToken);
        return new KeyHandles { Handles = { privateHandle, publicHandle } };
    }

    public override Task<KeyList> FindKeys(FindKeysRequest request, ServerCallContext context)
    {
        var login = context.RequireLogin(node.Service.Sessions);
        var query = new KeyQuery
        {
            Class = request.HasObjectClass ? (ObjectClass)request.ObjectClass : null,
            KeyType = request.HasKeyType ? (KeyType)request.KeyType : null,
            Label = request.HasLabel ? request.Label : null,
            Id = request.HasId ? request.Id.ToByteArray() : null,
            AfterHandle = request.AfterHandle,
            Limit = request.Limit <= 0 ? 1000 : request.Limit,
        };
        var reply = new KeyList();
        reply.Keys.AddRange(Service.Find(login, query).Select(Info));
        return Task.FromResult(reply);
    }

    public override Task<KeyInfo> GetKeyInfo(KeyRef request, ServerCallContext context) =>
        Task.FromResult(Info(Service.Get(context.RequireLogin(node.Service.Sessions), request.Handle)));

    public override Task<AttributeValue> GetAttribute(GetAttributeRequest request, ServerCallContext context)
    {
        var value = Service.GetAttribute(context.RequireLogin(node.Service.Sessions), request.Handle, (AttributeId)request.Attribute);
        try
        {
            return Task.FromResult(new AttributeValue { Value = ByteString.CopyFrom(value) });
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(value);
        }
    }

    public override async Task<Empty> SetAttribute(SetAttributeRequest request, ServerCallContext context)
    {
        await Service.SetAttributeAsync(context.RequireLogin(node.Service.Sessions), request.Handle, (AttributeId)request.Attribute,
            request.Value.ToByteArray(), context.CancellationToken);
        return new Empty();
    }

    public override async Task<Empty> DeleteKey(KeyRef request, ServerCallContext context)
    {
        await Service.DeleteAsync(context.RequireLogin(node.Service.Sessions), request.Handle, context.CancellationToken);
        return new Empty();
    }

    public override async Task<Empty> ShareKey(ShareKeyRequest request, ServerCallContext context)
    {
        await Service.ShareAsync(context.RequireLogin(node.Service.Sessions), request.Handle, request.User, request.Share, context.CancellationToken);
        return new Empty();
    }

    public override Task<PemReply> ExportPublicKey(KeyRef request, ServerCallContext context) =>
        Task.FromResult(new PemReply { Pem = Service.ExportPublicKey(context.RequireLogin(node.Service.Sessions), request.Handle) });

    private static AttributeSet Template(IEnumerable<Protocol.V1.Attribute> attributes)
    {
        var set = AttributeSet.Empty;
        foreach (var a in attributes)
        {
            if (set.Values.Count >= MaxTemplateAttributes)
            {
                throw new HsmException(HsmError.RET_INVALID_INPUT, $"A template holds at most {MaxTemplateAttributes} attributes.");
            }
            set = set.With((AttributeId)a.Id, a.Value.ToByteArray());
        }
        return set;
    }

    private static KeyInfo Info(KeyRecord key)
    {
        var info = new KeyInfo
        {
            Handle = key.Handle,
            ObjectClass = (ulong)key.Class,
            KeyType = (ulong)key.KeyType,
            Label = key.Label,
            Id = ByteString.CopyFrom(key.Id),
            Owner = key.Owner,
            Kcv = ByteString.CopyFrom(key.Attributes.Raw(AttributeId.Kcv) ?? []),
            CreatedAt = Timestamp.FromDateTimeOffset(key.CreatedAt),
        };
        info.Shares.AddRange(key.Shares);
        return info;
    }
}
