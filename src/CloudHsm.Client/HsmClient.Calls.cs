using CloudHsm.Client.Resilience;
using CloudHsm.Protocol;
using Grpc.Core;
using Grpc.Net.Client;

namespace CloudHsm.Client;

/// <summary>
/// How every call is made (<see cref="RetryLoop"/>): one request id per call, sent unchanged on each
/// attempt (so the cluster applies a retried write once); a transient failure (node unreachable,
/// timeout, no quorum, node not ready) fails over to the next node and is retried with backoff until
/// <see cref="RetryWindow"/> has passed, reads, crypto and writes alike; a login token belongs to the
/// node that issued it, so a call to another node first logs in there with the held credentials, and a
/// node that no longer knows the token after the call found it unreachable (it restarted) gets one
/// fresh login and the call once more. A login the node expired for idleness, with no failure in
/// between, is reported (RET_USER_NOT_LOGGED_IN), as the node's idle timeout intends.
/// </summary>
public sealed partial class HsmClient
{
    private Task<T> CallAsync<T>(Func<GrpcChannel, CallOptions, Task<T>> call, CancellationToken ct) =>
        CallAsync(call, sessionNode: null, ct);

    private async Task<T> CallAsync<T>(Func<GrpcChannel, CallOptions, Task<T>> call, int? sessionNode, CancellationToken ct) =>
        (await CallOnNodeAsync(call, sessionNode, ct)).Result;

    /// <summary>A call and the node that answered it.</summary>
    /// <param name="sessionNode">The node a session lives on: an attempt elsewhere finds it closed.</param>
    private async Task<(T Result, int Node)> CallOnNodeAsync<T>(Func<GrpcChannel, CallOptions, Task<T>> call, int? sessionNode, CancellationToken ct)
    {
        NodeLogin? rejected = null;
        NodeLogin? sent = null;
        try
        {
            return await RetryLoop.RunAsync(_nodes, RetryWindow, async attempt =>
            {
                sent = null;
                if (sessionNode is { } home && home != attempt.Node) throw SessionLeft(home);
                sent = await LoginOnAsync(attempt.Node, rejected, ct);
                return (await InvokeAsync(call, attempt, sent?.Token, ct), attempt.Node);
            },
            (attempt, refusal) =>
            {
                // The node does not know the token after this call found it unreachable (it restarted): one
                // fresh login there, and the call again. Without such a failure the node expired an idle
                // login, which is the application's to see.
                if (refusal.ErrorName != "RET_USER_NOT_LOGGED_IN" || sent is null || rejected is not null || attempt.Number == 1)
                {
                    return Task.FromResult(AfterRefusal.Surface);
                }
                rejected = sent;
                return Task.FromResult(AfterRefusal.Repeat);
            }, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw Cancelled();
        }
    }

    /// <summary>One attempt on the current node, no retry (an irreversible call).</summary>
    private async Task<T> CallOnceAsync<T>(Func<GrpcChannel, CallOptions, Task<T>> call, CancellationToken ct)
    {
        var attempt = new CallAttempt(_nodes.Current, RequestId.New(), 1);
        var login = await LoginOnAsync(attempt.Node, rejected: null, ct);
        return await InvokeAsync(call, attempt, login?.Token, ct);
    }

    /// <summary>Sends one attempt to its node with the request id, the client name and the token (if any).</summary>
    private async Task<T> InvokeAsync<T>(Func<GrpcChannel, CallOptions, Task<T>> call, CallAttempt attempt, string? token, CancellationToken ct)
    {
        var headers = new Metadata
        {
            { WireNames.ClientHeader, $"{ClientName}/{ClientVersion}" },
            { WireNames.RequestIdHeader, attempt.RequestId },
        };
        if (token is not null) headers.Add(WireNames.AuthorizationHeader, "Bearer " + token);
        var options = new CallOptions(headers, DateTime.UtcNow.Add(_config.CallTimeout), ct);
        try
        {
            return await call(_channels[attempt.Node], options);
        }
        catch (RpcException e)
        {
            throw NodeChannels.Translate(e, _config.Nodes[attempt.Node], _trust);
        }
    }

    private HsmClientException SessionLeft(int node) =>
        new("RET_SESSION_NOT_FOUND", $"The session is closed: it lived on node {_config.Nodes[node]}, which this client left after a failure.");

    private static HsmClientException Cancelled() => new("RET_CANCELLED", "The call was cancelled.");
}
