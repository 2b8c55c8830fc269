using System.Text;
using CloudHsm.Cli.Support;
using CloudHsm.Storage;
using static CloudHsm.Cli.Util.UtilOption;

namespace CloudHsm.Cli.Util;

/// <summary>Signing, verifying, and aesWrapUnwrap (AES key wrap of a file's bytes).</summary>
internal static partial class UtilCommands
{
    private const int AesWrapUnwrapMaxBytes = 4096;
    private const string DefaultAesWrapIv = "A6A6A6A6A6A6A6A6";
    private const ulong AesKeyWrapCkm = 0x2109;

    private static string[] SignNotes =>
    [
        "",
        "Signing mechanisms (-m), as the key_mgmt_util docs number them:",
        .. UtilMechanisms.Describe(UtilMechanisms.Signing),
    ];

    private static IEnumerable<UtilVerb> CryptoVerbs() =>
    [
        new("sign", "Cfm3Sign", "Sign a file with a private key; the signature goes to a file.",
            [Req("-f", "file", "the message file"), Req("-k", "private key handle", "a key with SIGN = 1"),
             Req("-m", "mechanism", "see below"), Req("-out", "file", "the signature file to write")],
            async (s, a) =>
            {
                var mechanism = UtilMechanisms.SignCkm(a.RequiredInt("-m"));
                var data = await ReadFileAsync(a.RequiredText("-f"), 512 * 1024);
                var file = a.RequiredText("-out");
                await File.WriteAllBytesAsync(file, await s.Client.SignAsync(a.Handle("-k"), mechanism, data));
                s.Success();
                s.Say();
                s.Say($"signature is written to file {file}");
            }, Notes: SignNotes),
        new("verify", "Cfm3Verify", "Check a file's signature with a public key.",
            [Req("-f", "file", "the message file"), Req("-s", "file", "the signature file"),
             Req("-k", "public key handle", "a key with VERIFY = 1"), Req("-m", "mechanism", "as it was signed (see below)")],
            async (s, a) =>
            {
                var mechanism = UtilMechanisms.SignCkm(a.RequiredInt("-m"));
                var data = await ReadFileAsync(a.RequiredText("-f"), 512 * 1024);
                var signature = await ReadFileAsync(a.RequiredText("-s"), 64 * 1024);
                if (!await s.Client.VerifyAsync(a.Handle("-k"), mechanism, data, signature))
                {
                    throw new CliException("RET_SIGNATURE_INVALID", "Signature verification failed: the signature does not match this file, key and mechanism.");
                }
                s.Say();
                s.Say("Signature verification successful");
                s.Success();
            }, Notes: SignNotes),
        new("aesWrapUnwrap", "Cfm3WrapHostKey", "AES key wrap (RFC 3394) of a file's bytes under an AES key, or the reverse.",
            [Req("-m", "mode", "1 wrap (encrypt), 0 unwrap (decrypt)"), Req("-f", "file", "the file: a multiple of 8 bytes, under 4 KB"),
             Req("-w", "AES key handle", "a key with ENCRYPT = 1 (to wrap) or DECRYPT = 1 (to unwrap)"),
             Opt("-i", "IV", $"only the default 0x{DefaultAesWrapIv} here"), Opt("-out", "file", "default: wrapped_key or unwrapped_key")],
            AesWrapUnwrapAsync),
    ];

    private static async Task AesWrapUnwrapAsync(UtilShell s, UtilArgs a)
    {
        var wrap = a.Bit("-m") ?? throw new UtilUsageException("-m is required: 1 to wrap, 0 to unwrap.");
        s.Call = wrap ? "Cfm3WrapHostKey" : "Cfm3UnWrapHostKey";
        if (a.Text("-i") is { } iv)
        {
            var digits = iv.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? iv[2..] : iv;
            if (!string.Equals(digits, DefaultAesWrapIv, StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException("RET_MECHANISM_PARAM_INVALID", $"Only the default IV 0x{DefaultAesWrapIv} (RFC 3394) is available here.");
            }
        }
        else
        {
            s.Say("Warning: IV (-i) is missing.");
            s.Say($"         0x{DefaultAesWrapIv} is considered as default IV");
        }
        var data = await ReadFileAsync(a.RequiredText("-f"), AesWrapUnwrapMaxBytes - 1);
        var handle = a.Handle("-w");
        var result = wrap
            ? (await s.Client.EncryptAsync(handle, AesKeyWrapCkm, data)).Data
            : await s.Client.DecryptAsync(handle, AesKeyWrapCkm, data);
        var file = a.Text("-out") ?? (wrap ? "wrapped_key" : "unwrapped_key");
        if (wrap) await File.WriteAllBytesAsync(file, result);
        else SecureFile.WriteAllBytes(file, result); // often a key in clear: owner-only, as exportPrivateKey's PEM
        if (wrap)
        {
            s.Output.WriteLine("result data:");
            s.Output.Write(HexLines(result));
        }
        else
        {
            // The original prints the unwrapped bytes; they are often a key in clear, so they stay in the file.
            s.Output.WriteLine($"result data: {result.Length} bytes (not shown)");
        }
        s.Output.WriteLine();
        s.Output.WriteLine($"result written to file {file}");
        s.Success();
    }

    private static string HexLines(byte[] bytes)
    {
        var text = new StringBuilder();
        for (var i = 0; i < bytes.Length; i += 8)
        {
            text.AppendLine(string.Join(' ', bytes.Skip(i).Take(8).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))));
        }
        return text.ToString();
    }
}
