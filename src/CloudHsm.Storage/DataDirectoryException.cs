namespace CloudHsm.Storage;

/// <summary>
/// The data directory cannot be used (tampered with, wrong key, wrong unseal mode): the node must
/// not start. <see cref="ErrorName"/> is the stable name printed for it.
/// </summary>
public sealed class DataDirectoryException(string message, string errorName = DataDirectoryException.Tampered) : Exception(message)
{
    /// <summary>Altered, removed or foreign data, or a wrong unseal key.</summary>
    public const string Tampered = "RET_DATA_TAMPERED";
    /// <summary>The node was started in the wrong unseal mode for its data directory.</summary>
    public const string UnsealMismatch = "RET_UNSEAL_MISMATCH";

    public string ErrorName { get; } = errorName;
}
