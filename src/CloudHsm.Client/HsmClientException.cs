namespace CloudHsm.Client;

/// <summary>A refusal or failure as the client sees it: the stable error name and a sentence.</summary>
public sealed class HsmClientException(string errorName, string message, bool transient = false) : Exception(message)
{
    public string ErrorName { get; } = errorName;

    /// <summary>True when retrying later may succeed (node unreachable, timeout).</summary>
    public bool IsTransient { get; } = transient;

    /// <summary>
    /// True when the refusal says the credentials no longer work (wrong or changed password, locked or deleted
    /// user): a re-login that meets one forgets them. Any other failure of a re-login (an internal error of a
    /// node in the middle of a failover, say) leaves them for the next try.
    /// </summary>
    public bool RefusesCredentials => ErrorName is "RET_USER_LOGIN_FAILURE" or "RET_USER_LOCKED" or "RET_USER_NOT_FOUND"
        or "RET_CO_ACCESS_DISABLED" or "RET_PARTITION_ZEROIZED";

    public override string ToString() => $"{ErrorName}: {Message}";
}
