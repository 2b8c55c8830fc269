using System.Security.Cryptography;

namespace CloudHsm.Cli.Support;

/// <summary>Generated passwords that meet the partition's policy (no # : ; ' characters).</summary>
internal static class StrongPassword
{
    private const string Upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    private const string Lower = "abcdefghijkmnopqrstuvwxyz";
    private const string Digits = "23456789";
    private const string Special = "!%+-=_.@^~";

    public static string Generate(int length = 24)
    {
        string[] classes = [Upper, Lower, Digits, Special];
        var all = string.Concat(classes);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            var set = i < classes.Length ? classes[i] : all;
            chars[i] = set[RandomNumberGenerator.GetInt32(set.Length)];
        }
        RandomNumberGenerator.Shuffle(chars.AsSpan());
        return new string(chars);
    }
}
