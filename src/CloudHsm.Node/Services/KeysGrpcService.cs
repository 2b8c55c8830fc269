using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
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
            Kcv = request.HasKcv ? request.Kcv.ToByteArray() : null,
            Owner = request.HasOwner ? request.Owner : null,
            UnusedSince = request.HasUnusedDays ? DateTimeOffset.UtcNow.AddDays(-Math.Clamp(request.UnusedDays, 0, 36_500)) : null,
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

    public override async Task<KeyHandles> ImportPublicKey(ImportPublicKeyRequest request, ServerCallContext context)
    {
        var handle = await Service.ImportPublicKeyAsync(context.RequireLogin(node.Service.Sessions), request.PublicKey.Memory, Template(request.Template), context.CancellationToken);
        return new KeyHandles { Handles = { handle } };
    }

    public override Task<WrappedKey> WrapKey(WrapKeyRequest request, ServerCallContext context) =>
        Task.FromResult(new WrappedKey
        {
            Data = ByteString.CopyFrom(node.Transfer.Wrap(context.RequireLogin(node.Service.Sessions), request.Handle, request.WrappingHandle,
                (MechanismId)request.Mechanism, Parameters(request.Parameters))),
        });

    public override async Task<KeyHandles> UnwrapKey(UnwrapKeyRequest request, ServerCallContext context)
    {
        var handle = await node.Transfer.UnwrapAsync(context.RequireLogin(node.Service.Sessions), request.UnwrappingHandle, (MechanismId)request.Mechanism,
            Parameters(request.Parameters), request.Wrapped.Memory,
            new IncomingKey((ObjectClass)request.ObjectClass, (KeyType)request.KeyType, Template(request.Template)), context.CancellationToken);
        return new KeyHandles { Handles = { handle } };
    }

    public override Task<PrivateKeyReply> ExportPrivateKey(ExportPrivateKeyRequest request, ServerCallContext context)
    {
        var pkcs8 = node.Transfer.ExportPrivate(context.RequireLogin(node.Service.Sessions), request.Handle, request.WrappingHandle);
        try
        {
            return Task.FromResult(new PrivateKeyReply { Pem = System.Security.Cryptography.PemEncoding.WriteString("PRIVATE KEY", pkcs8) });
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    public override async Task<KeyHandles> ImportKey(ImportKeyRequest request, ServerCallContext context)
    {
        var objectClass = (ObjectClass)request.ObjectClass;
        var key = objectClass == ObjectClass.PrivateKey ? KeyMaterialCodec.FromPem(request.Key.Span, "PRIVATE KEY") : request.Key.ToByteArray();
        try
        {
            var handle = await node.Transfer.ImportAsync(context.RequireLogin(node.Service.Sessions), request.KekHandle, key,
                new IncomingKey(objectClass, (KeyType)request.KeyType, Template(request.Template)), context.CancellationToken);
            return new KeyHandles { Handles = { handle } };
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }
    }

    public override async Task<KeyHandles> DeriveKey(DeriveKeyRequest request, ServerCallContext context)
    {
        var parameters = new DeriveParameters
        {
            PublicData = request.PublicData.Memory,
            Prf = request.Prf == 0 ? MechanismId.Sha256Hmac : (MechanismId)request.Prf,
            Label = request.Label.Memory,
            Context = request.Context.Memory,
        };
        var handle = await node.Derivation.DeriveAsync(context.RequireLogin(node.Service.Sessions), request.BaseHandle, (MechanismId)request.Mechanism,
            parameters, (KeyType)request.KeyType, request.LengthBytes, Template(request.Template), context.CancellationToken);
        return new KeyHandles { Handles = { handle } };
    }

    public override Task<MaskedObject> ExtractMaskedObject(KeyRef request, ServerCallContext context) =>
        Task.FromResult(new MaskedObject { Data = ByteString.CopyFrom(node.Masking.Extract(context.RequireLogin(node.Service.Sessions), request.Handle)) });

    public override async Task<KeyHandles> InsertMaskedObject(MaskedObject request, ServerCallContext context)
    {
        var handle = await node.Masking.InsertAsync(context.RequireLogin(node.Service.Sessions), request.Data.Memory, context.CancellationToken);
        return new KeyHandles { Handles = { handle } };
    }

    public override async Task<KeyHandles> RotateKey(KeyRef request, ServerCallContext context)
    {
        var (successor, partner) = await Service.RotateAsync(context.RequireLogin(node.Service.Sessions), request.Handle, context.CancellationToken);
        var reply = new KeyHandles { Handles = { successor } };
        if (partner is { } p) reply.Handles.Add(p);
        return reply;
    }

    public override async Task<Empty> RetireKey(KeyRef request, ServerCallContext context)
    {
        await Service.RetireAsync(context.RequireLogin(node.Service.Sessions), request.Handle, context.CancellationToken);
        return new Empty();
    }

    public override async Task<KeyHandles> CreateObject(CreateObjectRequest request, ServerCallContext context)
    {
        var template = Template(request.Template);
        try
        {
            var handle = await node.Creation.CreateAsync(context.RequireLogin(node.Service.Sessions), (ObjectClass)request.ObjectClass, template, context.CancellationToken);
            return new KeyHandles { Handles = { handle } };
        }
        finally
        {
            // a data object's value may be private
            if (template.Raw(AttributeId.Value) is { } value) System.Security.Cryptography.CryptographicOperations.ZeroMemory(value);
        }
    }

    public override async Task<KeyHandles> CopyObject(CopyObjectRequest request, ServerCallContext context)
    {
        var handle = await node.Creation.CopyAsync(context.RequireLogin(node.Service.Sessions), request.Handle, Template(request.Template), context.CancellationToken);
        return new KeyHandles { Handles = { handle } };
    }

    private static Core.Mechanisms.WrapParameters Parameters(Protocol.V1.WrapParameters? p) => p is null ? Core.Mechanisms.WrapParameters.Default : new()
    {
        OaepHash = p.OaepHash == 0 ? MechanismId.Sha1 : (MechanismId)p.OaepHash,
        AesKeyBits = p.AesKeyBits == 0 ? 256 : p.AesKeyBits,
        AssociatedData = p.Aad.Memory,
    };

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
            Token = key.IsToken,
            Successor = key.Successor ?? 0,
            Partner = key.Partner ?? 0,
            ObjectSize = (ulong)key.ApproximateSize,
        };
        if (key.LastUsedAt is { } used) info.LastUsedAt = Timestamp.FromDateTimeOffset(used);
        if (key.RetiredAt is { } retired) info.RetiredAt = Timestamp.FromDateTimeOffset(retired);
        info.Shares.AddRange(key.Shares);
        foreach (var (id, value) in key.Attributes.Values)
        {
            if (AttributeTable.Has(id, AttributeRule.Secret)) continue;
            info.Attributes.Add(new Protocol.V1.Attribute { Id = (ulong)id, Value = ByteString.CopyFrom(value) });
        }
        return info;
    }
}
