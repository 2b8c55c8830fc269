namespace CloudHsm.Cli.Support;

internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The HSM or the CLI refused the operation (an error name was printed).</summary>
    public const int Refused = 1;
    /// <summary>The command line itself was wrong.</summary>
    public const int Usage = 2;
    /// <summary>`cluster verify`: the nodes do not hold the same users and keys (the differences were printed).</summary>
    public const int NotInSync = 3;
}
