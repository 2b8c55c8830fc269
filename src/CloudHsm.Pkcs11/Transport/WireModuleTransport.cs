using CloudHsm.Client;
using CloudHsm.Client.Wire;
using CloudHsm.Pkcs11.Logging;
using Google.Protobuf;

namespace CloudHsm.Pkcs11.Transport;

/// <summary>
/// <see cref="IModuleTransport"/> over the node's wire transport: each call borrows a connection of a
/// <see cref="WireConnectionPool"/> for the calling thread (so there are as many connections as threads
/// calling at once), synchronous on that thread and fork-safe. A connection that breaks fails over to
/// the next configured node when it reconnects, and the pool's other connections follow it (a login
/// token is valid on one node). Around each call: a request id, the same on every attempt; retries of
/// transient failures (<see cref="RetryPolicy"/>, with backoff, within the retry window), moving to the
/// next node when a node answers "not now"; and one repetition after a fresh login when the node no
/// longer knows the login's token (restart, another node).
/// </summary>
internal sealed class WireModuleTransport : IModuleTransport
{
    private static readonly string ClientName = "cloudhsm-pkcs11/" + (typeof(WireModuleTransport).Assembly.GetName().Version?.ToString() ?? "0");

    private readonly WireConnectionPool _pool;
    private readonly ModuleLog _log;
    private readonly long _retryWindowMilliseconds;

    public WireModuleTransport(ClientConfig config, ModuleLog log)
    {
        _pool = new WireConnectionPool(config, ClientName);
        _log = log;
        var retrySeconds = config.Pkcs11?.RetrySeconds ?? 0;
        _retryWindowMilliseconds = retrySeconds > 0 ? retrySeconds * 1000L : (long)(config.CallTimeout.TotalMilliseconds * 2);
    }

    public string? AuthorizationToken { get; set; }

    public ILoginRenewal? Renewal { get; set; }

    /// <summary>The endpoint the module's connections use now (HOST:PORT).</summary>
    public string CurrentEndpoint => _pool.CurrentEndpoint;

    public TResponse Call<TResponse>(string method, IMessage request, MessageParser<TResponse> parser) where TResponse : class, IMessage<TResponse>
    {
        var requestId = RetryPolicy.NewRequestId();
        var renewed = false;
        long deadline = 0; // set at the first failure: no clock read on the path that works
        for (var attempt = 0; ; )
        {
            var token = AuthorizationToken;
            var connection = _pool.Rent();
            try
            {
                connection.AuthorizationToken = token;
                var reply = connection.Call(method, request, parser, requestId);
                if (attempt > 0) _log.Info($"{Name(method)}: recovered on node {connection.ConnectedEndpoint} after {attempt} failed attempt(s)");
                return reply;
            }
            catch (HsmClientException e) when (e.IsTransient)
            {
                if (deadline == 0) deadline = Environment.TickCount64 + _retryWindowMilliseconds;
                connection.FailOver(); // the node answered "not now", or the connection broke (closed already)
                if (Environment.TickCount64 >= deadline)
                {
                    _log.Warn($"{Name(method)}: {e.ErrorName}, giving up after {attempt + 1} attempt(s) in {_retryWindowMilliseconds / 1000} s: {e.Message}");
                    throw;
                }
                if (attempt == 0) _log.Warn($"{Name(method)}: {e.ErrorName}, retrying on the configured nodes: {e.Message}");
                attempt++;
                Thread.Sleep(RetryPolicy.Backoff(attempt, deadline));
            }
            catch (HsmClientException e) when (e.ErrorName == "RET_USER_NOT_LOGGED_IN" && token is not null && !renewed
                && RetryPolicy.MayRenewLogin(method) && Renewal is { } renewal)
            {
                renewed = true;
                _log.Info($"{Name(method)}: the node does not know this login (restarted, or another node); logging in again");
                if (!renewal.Renew(token)) throw;
            }
            finally
            {
                _pool.Return(connection);
            }
        }
    }

    /// <summary>"Crypto/Sign" of "/cloudhsm.v1.Crypto/Sign", for the log.</summary>
    private static string Name(string method)
    {
        var dot = method.LastIndexOf('.');
        return dot >= 0 ? method[(dot + 1)..] : method;
    }

    public void Dispose() => _pool.Dispose();
}
