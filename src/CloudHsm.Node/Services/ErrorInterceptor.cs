using CloudHsm.Core.Errors;
using CloudHsm.Protocol;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace CloudHsm.Node.Services;

/// <summary>
/// Turns refusals into gRPC statuses with the stable error name in the "hsm-error" trailer, and any
/// other exception into a bare internal error: no exception text or stack trace reaches a client.
/// </summary>
public sealed partial class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    /// <summary>All a client learns of an unexpected failure (with RET_INTERNAL_ERROR).</summary>
    public const string InternalErrorMessage = "The node could not complete the operation.";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        // The client's id of this call, for the commands it submits (a retried write is applied once).
        Core.Commands.RequestScope.Begin(context.RequestHeaders.GetValue(WireNames.RequestIdHeader));
        try
        {
            return await continuation(request, context);
        }
        catch (HsmException e)
        {
            throw ToRpc(e.Error, e.Message);
        }
        catch (RpcException)
        {
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled."));
        }
        catch (Exception e)
        {
            LogUnexpected(logger, context.Method, e.GetType().Name);
            throw ToRpc(HsmError.RET_INTERNAL_ERROR, InternalErrorMessage);
        }
    }

    public static RpcException ToRpc(HsmError error, string message)
    {
        var code = HsmErrors.KindOf(error) switch
        {
            HsmErrorKind.InvalidArgument => StatusCode.InvalidArgument,
            HsmErrorKind.Unauthenticated => StatusCode.Unauthenticated,
            HsmErrorKind.PermissionDenied => StatusCode.PermissionDenied,
            HsmErrorKind.NotFound => StatusCode.NotFound,
            HsmErrorKind.AlreadyExists => StatusCode.AlreadyExists,
            HsmErrorKind.ResourceExhausted => StatusCode.ResourceExhausted,
            HsmErrorKind.Internal => StatusCode.Internal,
            HsmErrorKind.Unavailable => StatusCode.Unavailable,
            _ => StatusCode.FailedPrecondition,
        };
        return new RpcException(new Status(code, message), new Metadata { { WireNames.ErrorTrailer, error.ToString() } });
    }

    // Only the exception type is logged: messages of unexpected exceptions may carry data.
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unexpected {ExceptionType} in {Method}")]
    private static partial void LogUnexpected(ILogger logger, string method, string exceptionType);
}
