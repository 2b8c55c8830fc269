using System.Buffers;
using System.Collections.Frozen;
using CloudHsm.Core.Errors;
using CloudHsm.Node.Hosting;
using CloudHsm.Node.Services;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudHsm.Node.Wire;

/// <summary>
/// Every unary method of the Partition, Users, Keys and Crypto services, by gRPC full name, bound to
/// the same service instances' methods that gRPC calls. The table is filled by the services'
/// generated BindService (the same binding grpc-dotnet uses), so a method added to a .proto reaches
/// the wire without a line here, and each request is read with its message's own parser.
/// Refusals become WireReply.error exactly as <see cref="ErrorInterceptor"/> makes them for gRPC.
/// </summary>
public sealed partial class WireMethodTable
{
    public const string UnknownMethodMessage = "There is no such method on this node.";

    private delegate ValueTask<ByteString> WireMethod(ByteString body, ServerCallContext context);

    private readonly FrozenDictionary<string, WireMethod> _methods;
    private readonly NodeRuntime _node;
    private readonly ILogger<WireMethodTable> _logger;

    public WireMethodTable(IServiceProvider services, NodeRuntime node, ILogger<WireMethodTable> logger)
    {
        _node = node;
        _logger = logger;
        var binder = new Binder();
        Protocol.V1.Partition.BindService(binder, ActivatorUtilities.CreateInstance<PartitionGrpcService>(services));
        Users.BindService(binder, ActivatorUtilities.CreateInstance<UsersGrpcService>(services));
        Keys.BindService(binder, ActivatorUtilities.CreateInstance<KeysGrpcService>(services));
        Crypto.BindService(binder, ActivatorUtilities.CreateInstance<CryptoGrpcService>(services));
        _methods = binder.Methods.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// The methods a wire connection runs on the socket thread its request arrived on: computations on
    /// one key and reads of one record, which never write to the store nor hash a password. Everything
    /// else (logins, key generation, anything that writes, searches that may scan the store) is handed
    /// to the thread pool, so it cannot stall the other connections served by the same socket thread.
    /// </summary>
    public static readonly FrozenSet<string> InlineMethods = new[]
    {
        "/cloudhsm.v1.Crypto/Sign", "/cloudhsm.v1.Crypto/Verify", "/cloudhsm.v1.Crypto/Encrypt",
        "/cloudhsm.v1.Crypto/Decrypt", "/cloudhsm.v1.Crypto/Digest", "/cloudhsm.v1.Crypto/GenerateRandom",
        "/cloudhsm.v1.Keys/GetKeyInfo", "/cloudhsm.v1.Keys/GetAttribute",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The full names of the methods served (for tests and diagnostics).</summary>
    public IEnumerable<string> MethodNames => _methods.Keys;

    /// <summary>Runs one request; never throws except when the connection is gone (the call was cancelled).</summary>
    internal async ValueTask<WireReply> InvokeAsync(WireRequest request, WireServerCallContext context)
    {
        if (!_methods.TryGetValue(request.Method, out var method))
        {
            return Refusal(HsmError.RET_INVALID_INPUT, UnknownMethodMessage);
        }
        try
        {
            ClientCertificateInterceptor.Enforce(_node, context.PresentedCertificate);
            context.Prepare(request.Method, request.Token, request.Client);
            Core.Commands.RequestScope.Begin(request.RequestId);
            return new WireReply { Body = await method(request.Body, context) };
        }
        catch (InvalidProtocolBufferException)
        {
            return Refusal(HsmError.RET_INVALID_INPUT, UnreadableRequestMiddleware.Message);
        }
        catch (HsmException e)
        {
            return Refusal(e.Error, e.Message);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            LogUnexpected(_logger, request.Method, e.GetType().Name);
            return Refusal(HsmError.RET_INTERNAL_ERROR, ErrorInterceptor.InternalErrorMessage);
        }
    }

    internal static WireReply Refusal(HsmError error, string message) => new() { Error = error.ToString(), Message = message };

    // Only the exception type is logged: messages of unexpected exceptions may carry data.
    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Unexpected {ExceptionType} in {Method} (wire)")]
    private static partial void LogUnexpected(ILogger logger, string method, string exceptionType);

    /// <summary>Collects the unary methods; the API has no streaming methods, and the wire carries none.</summary>
    private sealed class Binder : ServiceBinderBase
    {
        public Dictionary<string, WireMethod> Methods { get; } = new(StringComparer.Ordinal);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            if (handler is null) return;
            var deserialize = method.RequestMarshaller.ContextualDeserializer;
            Methods.Add(method.FullName, (body, context) =>
            {
                var call = handler(deserialize(new BodyContext(body)), context);
                return call.IsCompletedSuccessfully ? new ValueTask<ByteString>(Serialize(call.Result)) : AwaitAsync(call);
            });
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            throw new NotSupportedException($"{method.FullName}: the wire transport carries unary methods only.");

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            throw new NotSupportedException($"{method.FullName}: the wire transport carries unary methods only.");

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            throw new NotSupportedException($"{method.FullName}: the wire transport carries unary methods only.");

        private static async ValueTask<ByteString> AwaitAsync<TResponse>(Task<TResponse> call) => Serialize(await call);

        private static ByteString Serialize<TResponse>(TResponse response) =>
            ((IMessage)response!).ToByteString();
    }

    /// <summary>Hands a request body to the message's parser without copying it.</summary>
    private sealed class BodyContext(ByteString body) : DeserializationContext
    {
        public override int PayloadLength => body.Length;

        public override byte[] PayloadAsNewBuffer() => body.ToByteArray();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(body.Memory);
    }
}
