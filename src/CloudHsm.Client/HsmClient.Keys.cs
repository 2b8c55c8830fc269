using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.Client;

/// <summary>Key management calls (attribute ids, key types and classes are PKCS#11 numbers).</summary>
public sealed partial class HsmClient
{
    public async Task<ulong> GenerateKeyAsync(ulong keyType, int lengthBytes, IEnumerable<Protocol.V1.Attribute>? template = null, CancellationToken ct = default)
    {
        var request = new GenerateKeyRequest { KeyType = keyType, LengthBytes = lengthBytes };
        if (template is not null) request.Template.AddRange(template);
        return (await CallAsync((c, o) => KeysApi(c).GenerateKeyAsync(request, o).ResponseAsync, ct)).Handles[0];
    }

    public async Task<(ulong Private, ulong Public)> GenerateKeyPairAsync(ulong keyType, string parameter,
        IEnumerable<Protocol.V1.Attribute>? privateTemplate = null, IEnumerable<Protocol.V1.Attribute>? publicTemplate = null, CancellationToken ct = default)
    {
        var request = new GenerateKeyPairRequest { KeyType = keyType, Parameter = parameter };
        if (privateTemplate is not null) request.PrivateTemplate.AddRange(privateTemplate);
        if (publicTemplate is not null) request.PublicTemplate.AddRange(publicTemplate);
        var handles = (await CallAsync((c, o) => KeysApi(c).GenerateKeyPairAsync(request, o).ResponseAsync, ct)).Handles;
        return (handles[0], handles[1]);
    }

    public async Task<IReadOnlyList<KeyInfo>> FindKeysAsync(FindKeysRequest request, CancellationToken ct = default) =>
        (await CallAsync((c, o) => KeysApi(c).FindKeysAsync(request, o).ResponseAsync, ct)).Keys;

    public Task<KeyInfo> GetKeyInfoAsync(ulong handle, CancellationToken ct = default) =>
        CallAsync((c, o) => KeysApi(c).GetKeyInfoAsync(new KeyRef { Handle = handle }, o).ResponseAsync, ct);

    public async Task<byte[]> GetAttributeAsync(ulong handle, ulong attribute, CancellationToken ct = default) =>
        (await CallAsync((c, o) => KeysApi(c).GetAttributeAsync(new GetAttributeRequest { Handle = handle, Attribute = attribute }, o).ResponseAsync, ct)).Value.ToByteArray();

    public Task SetAttributeAsync(ulong handle, ulong attribute, byte[] value, CancellationToken ct = default) =>
        CallAsync((c, o) => KeysApi(c).SetAttributeAsync(new SetAttributeRequest { Handle = handle, Attribute = attribute, Value = ByteString.CopyFrom(value) }, o).ResponseAsync, ct);

    public Task DeleteKeyAsync(ulong handle, CancellationToken ct = default) =>
        CallAsync((c, o) => KeysApi(c).DeleteKeyAsync(new KeyRef { Handle = handle }, o).ResponseAsync, ct);

    public Task ShareKeyAsync(ulong handle, string user, bool share, CancellationToken ct = default) =>
        CallAsync((c, o) => KeysApi(c).ShareKeyAsync(new ShareKeyRequest { Handle = handle, User = user, Share = share }, o).ResponseAsync, ct);
}
