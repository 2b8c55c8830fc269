using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Node.Hosting;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using Grpc.Core;
using CipherParameters = CloudHsm.Core.Mechanisms.CipherParameters;

namespace CloudHsm.Node.Services;

/// <summary>gRPC Crypto service: maps requests onto <see cref="CryptoService"/>.</summary>
public sealed class CryptoGrpcService(NodeRuntime node) : Protocol.V1.Crypto.CryptoBase
{
    private CryptoService Service => node.Crypto;

    public override Task<SignReply> Sign(SignRequest request, ServerCallContext context) =>
        Task.FromResult(new SignReply
        {
            Signature = ByteString.CopyFrom(Service.Sign(context.RequireLogin(node.Service.Sessions), request.Handle, (MechanismId)request.Mechanism, request.Data.Span)),
        });

    public override Task<VerifyReply> Verify(VerifyRequest request, ServerCallContext context) =>
        Task.FromResult(new VerifyReply
        {
            Valid = Service.Verify(context.RequireLogin(node.Service.Sessions), request.Handle, (MechanismId)request.Mechanism, request.Data.Span, request.Signature.Span),
        });

    public override Task<EncryptReply> Encrypt(CipherRequest request, ServerCallContext context)
    {
        var result = Service.Encrypt(context.RequireLogin(node.Service.Sessions), request.Handle, (MechanismId)request.Mechanism,
            Parameters(request.Parameters), request.Data.Span);
        return Task.FromResult(new EncryptReply { Data = ByteString.CopyFrom(result.Output), Iv = ByteString.CopyFrom(result.Iv) });
    }

    public override Task<DecryptReply> Decrypt(CipherRequest request, ServerCallContext context)
    {
        var plaintext = Service.Decrypt(context.RequireLogin(node.Service.Sessions), request.Handle, (MechanismId)request.Mechanism,
            Parameters(request.Parameters), request.Data.Span);
        try
        {
            return Task.FromResult(new DecryptReply { Data = ByteString.CopyFrom(plaintext) });
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public override Task<DigestReply> Digest(DigestRequest request, ServerCallContext context) =>
        Task.FromResult(new DigestReply
        {
            Digest = ByteString.CopyFrom(Service.Digest(context.RequireLogin(node.Service.Sessions), (MechanismId)request.Mechanism, request.Data.Span)),
        });

    public override Task<RandomReply> GenerateRandom(RandomRequest request, ServerCallContext context) =>
        Task.FromResult(new RandomReply { Data = ByteString.CopyFrom(Service.Random(context.RequireLogin(node.Service.Sessions), request.Length)) });

    private static CipherParameters Parameters(Protocol.V1.CipherParameters? p) => p is null ? CipherParameters.None : new CipherParameters
    {
        Iv = p.Iv.Memory,
        AssociatedData = p.Aad.Memory,
        TagLength = p.TagLength == 0 ? 16 : p.TagLength,
        CounterBits = p.CounterBits == 0 ? 128 : p.CounterBits,
        OaepHash = p.OaepHash == 0 ? MechanismId.Sha1 : (MechanismId)p.OaepHash,
    };
}
