using System.CommandLine;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm util`: the azcloudhsm_util-compatible key shell (being written).</summary>
internal static class UtilCommand
{
    public static Command Create() => new("util", "The azcloudhsm_util-compatible key shell.");

    public static Task<int> RunAsync(string[] args)
    {
        _ = args;
        Console.Error.WriteLine("RET_INVALID_INPUT: cloudhsm util is not available in this build.");
        return Task.FromResult(2);
    }
}
