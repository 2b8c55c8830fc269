namespace CloudHsm.Protocol;

/// <summary>Names shared by node and clients on the wire.</summary>
public static class WireNames
{
    /// <summary>Trailer holding the stable error name (RET_...).</summary>
    public const string ErrorTrailer = "hsm-error";
    /// <summary>Header holding the client's SDK name and version, for the audit trail.</summary>
    public const string ClientHeader = "x-cloudhsm-client";
    /// <summary>
    /// A client's id for one logical call (1-64 characters of [A-Za-z0-9._-]), the same on every retry of it:
    /// the cluster applies a write carrying an id it has already applied only once, and answers the retry
    /// with the first outcome.
    /// </summary>
    public const string RequestIdHeader = "hsm-request-id";
    public const string AuthorizationHeader = "authorization";
    public const int DefaultPort = 2225;
}
