namespace CloudHsm.Client;

/// <summary>
/// The "pkcs11" section of the client configuration, read only by the PKCS#11 module:
/// <c>"pkcs11": { "logFile": "/var/log/cloudhsm/pkcs11.log", "logLevel": "info", "retrySeconds": 60 }</c>.
/// </summary>
public sealed record Pkcs11Settings
{
    /// <summary>Path of the module's log file (appended to); absent: no log unless CLOUDHSM_PKCS11_LOG names one.</summary>
    public string? LogFile { get; init; }

    /// <summary>error, warn, info (the default) or debug.</summary>
    public string? LogLevel { get; init; }

    /// <summary>
    /// Seconds the module keeps retrying a call that is safe to retry while no node answers (a restart,
    /// a failover); 0 or absent means twice the call timeout.
    /// </summary>
    public int RetrySeconds { get; init; }
}
