using System.Diagnostics;
using System.Security.Cryptography;
using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Tests.Mechanisms;

/// <summary>Cross-checks against the real <c>openssl enc -id-aesNNN-wrap[-pad]</c> command line.</summary>
public sealed class AesKeyWrapOpenSslTests : IDisposable
{
    private const string DefaultIv = "A6A6A6A6A6A6A6A6";
    private const string PaddedIv = "A65959A6";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cloudhsm-aeskw-");

    [Theory]
    [InlineData(16, 16)]
    [InlineData(24, 24)]
    [InlineData(32, 16)]
    [InlineData(32, 32)]
    [InlineData(32, 64)]
    public void Wrap_MatchesOpenSsl(int kekLength, int keyLength)
    {
        var kek = RandomNumberGenerator.GetBytes(kekLength);
        var keyData = RandomNumberGenerator.GetBytes(keyLength);

        var theirs = OpenSsl($"id-aes{kekLength * 8}-wrap", kek, DefaultIv, keyData, decrypt: false);

        Assert.Equal(theirs, AesKeyWrap.Wrap(kek, keyData));
        Assert.True(AesKeyWrap.TryUnwrap(kek, theirs, out var opened));
        Assert.Equal(keyData, opened);
    }

    [Theory]
    [InlineData(16, 1)]
    [InlineData(24, 7)]
    [InlineData(32, 8)]
    [InlineData(32, 9)]
    [InlineData(32, 20)]
    [InlineData(16, 100)]
    public void WrapWithPadding_MatchesOpenSsl(int kekLength, int keyLength)
    {
        var kek = RandomNumberGenerator.GetBytes(kekLength);
        var keyData = RandomNumberGenerator.GetBytes(keyLength);

        var theirs = OpenSsl($"id-aes{kekLength * 8}-wrap-pad", kek, PaddedIv, keyData, decrypt: false);

        Assert.Equal(theirs, AesKeyWrap.WrapWithPadding(kek, keyData));
        Assert.True(AesKeyWrap.TryUnwrapWithPadding(kek, theirs, out var opened));
        Assert.Equal(keyData, opened);
    }

    [Fact]
    public void OpenSsl_OpensOurWrappings()
    {
        var kek = RandomNumberGenerator.GetBytes(32);
        var keyData = RandomNumberGenerator.GetBytes(21);
        var unpadded = RandomNumberGenerator.GetBytes(24);

        Assert.Equal(unpadded, OpenSsl("id-aes256-wrap", kek, DefaultIv, AesKeyWrap.Wrap(kek, unpadded), decrypt: true));
        Assert.Equal(keyData, OpenSsl("id-aes256-wrap-pad", kek, PaddedIv, AesKeyWrap.WrapWithPadding(kek, keyData), decrypt: true));
    }

    private byte[] OpenSsl(string cipher, byte[] kek, string iv, byte[] input, bool decrypt)
    {
        var inPath = Path.Combine(_dir.FullName, "in.bin");
        var outPath = Path.Combine(_dir.FullName, "out.bin");
        File.WriteAllBytes(inPath, input);
        File.Delete(outPath);

        var start = new ProcessStartInfo("openssl") { RedirectStandardError = true };
        foreach (var arg in new[] { "enc", decrypt ? "-d" : "-e", "-" + cipher, "-K", Convert.ToHexString(kek), "-iv", iv, "-in", inPath, "-out", outPath })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start.");
        var stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), "openssl did not finish.");
        Assert.True(process.ExitCode == 0, $"openssl {cipher} failed ({process.ExitCode}): {stderr}");
        return File.ReadAllBytes(outPath);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
