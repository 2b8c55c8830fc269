using System.Diagnostics;
using System.Formats.Asn1;

namespace CloudHsm.Core.Tests.Mechanisms;

/// <summary>Runs the real <c>openssl</c> command line in a private temporary directory.</summary>
internal sealed class OpenSslCli : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cloudhsm-mech-");

    public string PathOf(string name) => Path.Combine(_dir.FullName, name);

    public void Write(string name, byte[] bytes) => File.WriteAllBytes(PathOf(name), bytes);

    public byte[] Read(string name) => File.ReadAllBytes(PathOf(name));

    /// <summary>Runs openssl with file names relative to the directory; returns the exit code.</summary>
    public int Run(params string[] args)
    {
        var start = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = _dir.FullName,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        LastError = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "openssl did not finish.");
        LastOutput = stdout.GetAwaiter().GetResult();
        return process.ExitCode;
    }

    public string LastError { get; private set; } = "";

    public string LastOutput { get; private set; } = "";

    /// <summary>Runs openssl and fails the test unless it exits with 0.</summary>
    public void Check(params string[] args)
    {
        var code = Run(args);
        Assert.True(code == 0, $"openssl {string.Join(' ', args)} failed ({code}): {LastError}");
    }

    /// <summary>IEEE P1363 r||s to the DER SEQUENCE of two INTEGERs openssl reads.</summary>
    public static byte[] P1363ToDer(ReadOnlySpan<byte> signature)
    {
        var half = signature.Length / 2;
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteIntegerUnsigned(Minimal(signature[..half]));
            writer.WriteIntegerUnsigned(Minimal(signature[half..]));
        }
        return writer.Encode();
    }

    private static ReadOnlySpan<byte> Minimal(ReadOnlySpan<byte> value)
    {
        var trimmed = value.TrimStart((byte)0);
        return trimmed.IsEmpty ? value[^1..] : trimmed;
    }

    /// <summary>A DER ECDSA signature to r||s with each half <paramref name="fieldLength"/> bytes.</summary>
    public static byte[] DerToP1363(byte[] der, int fieldLength)
    {
        var sequence = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var output = new byte[2 * fieldLength];
        for (var i = 0; i < 2; i++)
        {
            var value = sequence.ReadIntegerBytes().Span.TrimStart((byte)0);
            value.CopyTo(output.AsSpan((i + 1) * fieldLength - value.Length));
        }
        return output;
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
