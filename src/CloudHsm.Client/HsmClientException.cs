namespace CloudHsm.Client;

/// <summary>A refusal or failure as the client sees it: the stable error name and a sentence.</summary>
public sealed class HsmClientException(string errorName, string message, bool transient = false) : Exception(message)
{
    public string ErrorName { get; } = errorName;

    /// <summary>True when retrying later may succeed (node unreachable, timeout).</summary>
    public bool IsTransient { get; } = transient;

    public override string ToString() => $"{ErrorName}: {Message}";
}
