using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.Client;

/// <summary>Operations with keys (mechanisms are PKCS#11 CKM_* numbers).</summary>
public sealed partial class HsmClient
{
    public async Task<string> ExportPublicKeyAsync(ulong handle, CancellationToken ct = default) =>
        (await CallAsync((c, o) => KeysApi(c).ExportPublicKeyAsync(new KeyRef { Handle = handle }, o).ResponseAsync, ct)).Pem;

    public async Task<byte[]> SignAsync(ulong handle, ulong mechanism, byte[] data, CancellationToken ct = default) =>
        (await CallAsync((c, o) => CryptoApi(c).SignAsync(new SignRequest { Handle = handle, Mechanism = mechanism, Data = ByteString.CopyFrom(data) }, o).ResponseAsync, ct))
        .Signature.ToByteArray();

    public async Task<bool> VerifyAsync(ulong handle, ulong mechanism, byte[] data, byte[] signature, CancellationToken ct = default) =>
        (await CallAsync((c, o) => CryptoApi(c).VerifyAsync(new VerifyRequest
        {
            Handle = handle, Mechanism = mechanism, Data = ByteString.CopyFrom(data), Signature = ByteString.CopyFrom(signature),
        }, o).ResponseAsync, ct)).Valid;

    public async Task<(byte[] Data, byte[] Iv)> EncryptAsync(ulong handle, ulong mechanism, byte[] plaintext, CipherParameters? parameters = null, CancellationToken ct = default)
    {
        var reply = await CallAsync((c, o) => CryptoApi(c).EncryptAsync(new CipherRequest
        {
            Handle = handle, Mechanism = mechanism, Data = ByteString.CopyFrom(plaintext), Parameters = parameters ?? new CipherParameters(),
        }, o).ResponseAsync, ct);
        return (reply.Data.ToByteArray(), reply.Iv.ToByteArray());
    }

    public async Task<byte[]> DecryptAsync(ulong handle, ulong mechanism, byte[] ciphertext, CipherParameters? parameters = null, CancellationToken ct = default) =>
        (await CallAsync((c, o) => CryptoApi(c).DecryptAsync(new CipherRequest
        {
            Handle = handle, Mechanism = mechanism, Data = ByteString.CopyFrom(ciphertext), Parameters = parameters ?? new CipherParameters(),
        }, o).ResponseAsync, ct)).Data.ToByteArray();
}
