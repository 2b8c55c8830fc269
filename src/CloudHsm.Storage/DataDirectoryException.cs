namespace CloudHsm.Storage;

/// <summary>The data directory cannot be used (missing, tampered with, wrong key): the node must not start.</summary>
public sealed class DataDirectoryException(string message) : Exception(message);
