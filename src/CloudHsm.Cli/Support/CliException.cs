namespace CloudHsm.Cli.Support;

/// <summary>A refusal found by the CLI itself (bad usage, missing file), with a stable error name.</summary>
internal sealed class CliException(string errorName, string message) : Exception(message)
{
    public string ErrorName { get; } = errorName;
}
