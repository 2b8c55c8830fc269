using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.Client;

/// <summary>Keys in and out of the partition, derivation, masked objects, rotation (mechanisms, classes and types are PKCS#11 numbers).</summary>
public sealed partial class HsmClient
{
    public async Task<ulong> ImportPublicKeyAsync(byte[] publicKey, IEnumerable<Protocol.V1.Attribute>? template = null, CancellationToken ct = default)
    {
        var request = new ImportPublicKeyRequest { PublicKey = ByteString.CopyFrom(publicKey) };
        if (template is not null) request.Template.AddRange(template);
        return (await CallAsync((c, o) => KeysApi(c).ImportPublicKeyAsync(request, o).ResponseAsync, ct)).Handles[0];
    }

    public async Task<byte[]> WrapKeyAsync(ulong handle, ulong wrappingHandle, ulong mechanism, WrapParameters? parameters = null, CancellationToken ct = default) =>
        (await CallAsync((c, o) => KeysApi(c).WrapKeyAsync(new WrapKeyRequest
        {
            Handle = handle, WrappingHandle = wrappingHandle, Mechanism = mechanism, Parameters = parameters ?? new WrapParameters(),
        }, o).ResponseAsync, ct)).Data.ToByteArray();

    /// <summary>Unwraps a key; <paramref name="keyType"/> matters for secret keys only (private keys say theirs).</summary>
    public async Task<ulong> UnwrapKeyAsync(ulong unwrappingHandle, ulong mechanism, byte[] wrapped, ulong objectClass, ulong keyType,
        IEnumerable<Protocol.V1.Attribute>? template = null, WrapParameters? parameters = null, CancellationToken ct = default)
    {
        var request = new UnwrapKeyRequest
        {
            UnwrappingHandle = unwrappingHandle, Mechanism = mechanism, Wrapped = ByteString.CopyFrom(wrapped),
            ObjectClass = objectClass, KeyType = keyType, Parameters = parameters ?? new WrapParameters(),
        };
        if (template is not null) request.Template.AddRange(template);
        return (await CallAsync((c, o) => KeysApi(c).UnwrapKeyAsync(request, o).ResponseAsync, ct)).Handles[0];
    }

    /// <summary>exportPrivateKey: the PKCS#8 PEM of an extractable private key, under the rules of a wrap with <paramref name="wrappingHandle"/>.</summary>
    public async Task<string> ExportPrivateKeyAsync(ulong handle, ulong wrappingHandle, CancellationToken ct = default) =>
        (await CallAsync((c, o) => KeysApi(c).ExportPrivateKeyAsync(new ExportPrivateKeyRequest { Handle = handle, WrappingHandle = wrappingHandle }, o).ResponseAsync, ct)).Pem;

    /// <summary>Imports a private key (PKCS#8 DER or PEM) or a secret key (raw) through a TRUSTED key-encryption key.</summary>
    public async Task<ulong> ImportKeyAsync(ulong kekHandle, byte[] key, ulong objectClass, ulong keyType,
        IEnumerable<Protocol.V1.Attribute>? template = null, CancellationToken ct = default)
    {
        var request = new ImportKeyRequest { KekHandle = kekHandle, Key = ByteString.CopyFrom(key), ObjectClass = objectClass, KeyType = keyType };
        if (template is not null) request.Template.AddRange(template);
        return (await CallAsync((c, o) => KeysApi(c).ImportKeyAsync(request, o).ResponseAsync, ct)).Handles[0];
    }

    public async Task<ulong> DeriveKeyAsync(DeriveKeyRequest request, CancellationToken ct = default) =>
        (await CallAsync((c, o) => KeysApi(c).DeriveKeyAsync(request, o).ResponseAsync, ct)).Handles[0];

    public async Task<byte[]> ExtractMaskedObjectAsync(ulong handle, CancellationToken ct = default) =>
        (await CallAsync((c, o) => KeysApi(c).ExtractMaskedObjectAsync(new KeyRef { Handle = handle }, o).ResponseAsync, ct)).Data.ToByteArray();

    public async Task<ulong> InsertMaskedObjectAsync(byte[] masked, CancellationToken ct = default) =>
        (await CallAsync((c, o) => KeysApi(c).InsertMaskedObjectAsync(new MaskedObject { Data = ByteString.CopyFrom(masked) }, o).ResponseAsync, ct)).Handles[0];

    /// <summary>key rotate: the successor's handle, and that of its partner's successor for a pair.</summary>
    public async Task<IReadOnlyList<ulong>> RotateKeyAsync(ulong handle, CancellationToken ct = default) =>
        (await CallAsync((c, o) => KeysApi(c).RotateKeyAsync(new KeyRef { Handle = handle }, o).ResponseAsync, ct)).Handles;

    public Task RetireKeyAsync(ulong handle, CancellationToken ct = default) =>
        CallAsync((c, o) => KeysApi(c).RetireKeyAsync(new KeyRef { Handle = handle }, o).ResponseAsync, ct);

    public async Task<byte[]> DigestAsync(ulong mechanism, byte[] data, CancellationToken ct = default) =>
        (await CallAsync((c, o) => CryptoApi(c).DigestAsync(new DigestRequest { Mechanism = mechanism, Data = ByteString.CopyFrom(data) }, o).ResponseAsync, ct)).Digest.ToByteArray();

    public async Task<byte[]> GenerateRandomAsync(int length, CancellationToken ct = default) =>
        (await CallAsync((c, o) => CryptoApi(c).GenerateRandomAsync(new RandomRequest { Length = length }, o).ResponseAsync, ct)).Data.ToByteArray();
}
