namespace CloudHsm.Protocol;

/// <summary>Names shared by node and clients on the wire.</summary>
public static class WireNames
{
    /// <summary>Trailer holding the stable error name (RET_...).</summary>
    public const string ErrorTrailer = "hsm-error";
    /// <summary>Header holding the client's SDK name and version, for the audit trail.</summary>
    public const string ClientHeader = "x-cloudhsm-client";
    public const string AuthorizationHeader = "authorization";
    public const int DefaultPort = 2225;
}
