using CloudHsm.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CloudHsm.Node.Hosting;

/// <summary>
/// A gRPC call that ends in an error without an error name never reached our services: the framework
/// could not read the request (garbage, truncated or oversized frames). Give it the stable name
/// RET_INVALID_INPUT and a plain sentence, whether the status travels in headers (trailers-only
/// response) or in trailers.
/// </summary>
internal static class UnreadableRequestMiddleware
{
    public const string Message = "The request could not be read as a message of this method.";

    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.OnStarting(() =>
        {
            Rewrite(context.Response.Headers);
            return Task.CompletedTask;
        });
        await next(context);
        var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        if (trailers is { IsReadOnly: false }) Rewrite(trailers);
    }

    private static void Rewrite(IHeaderDictionary headers)
    {
        if (!headers.TryGetValue("grpc-status", out var status) || status == "0" || headers.ContainsKey(WireNames.ErrorTrailer)) return;
        headers["grpc-status"] = "3"; // InvalidArgument
        headers["grpc-message"] = Message;
        headers[WireNames.ErrorTrailer] = "RET_INVALID_INPUT";
    }
}
