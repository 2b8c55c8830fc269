using System.CommandLine;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm crypto ...` (being written).</summary>
internal static class CryptoCommands
{
    public static Command Create() => new("crypto", "Operations with keys.");
}
