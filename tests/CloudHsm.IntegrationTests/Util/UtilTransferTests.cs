using CloudHsm.IntegrationTests.Harness;
using static CloudHsm.IntegrationTests.Util.UtilOutput;

namespace CloudHsm.IntegrationTests.Util;

/// <summary>`cloudhsm util` signatures, wrapping, and keys in and out, checked with openssl where it can judge.</summary>
public sealed class UtilTransferTests(UtilTransferFixture fixture) : IClassFixture<UtilTransferFixture>
{
    private string Dir => fixture.Partition.Directory;

    [Fact]
    public async Task AnRsaSignatureVerifiesInTheShellAndWithOpenSslAndThePrivateKeyLeavesAsItsPair()
    {
        var work = Directory.CreateDirectory(Path.Combine(Dir, "ben")).FullName;
        await File.WriteAllTextAsync(Path.Combine(work, "message.txt"), "pay 100 to carol\n");
        await using var ben = await fixture.SessionAsync("ben");
        var (publicKey, privateKey) = Pair(await ben.OkAsync("genRSAKeyPair -m 2048 -e 65537 -l signer"));
        var wrapping = Handle(await ben.OkAsync("genSymKey -t 31 -s 32 -l ben-wrap"));

        var signed = await ben.OkAsync($"sign -f {work}/message.txt -k {privateKey} -m 1 -out {work}/message.sig");
        Assert.Contains("Cfm3Sign returned: 0x00 : HSM Return: SUCCESS", signed, StringComparison.Ordinal);
        Assert.Contains("Signature verification successful", await ben.OkAsync($"verify -f {work}/message.txt -s {work}/message.sig -k {publicKey} -m 1"), StringComparison.Ordinal);
        Assert.Equal("RET_SIGNATURE_INVALID", ErrorName(await ben.RunAsync($"verify -f {work}/message.txt -s {work}/message.sig -k {publicKey} -m 6")));
        // SHA-1 signing is behind the node's non-FIPS switch: a clear refusal, and the shell goes on.
        var sha1 = await ben.RunAsync($"sign -f {work}/message.txt -k {privateKey} -m 0 -out {work}/sha1.sig");
        Assert.Equal("RET_MECHANISM_INVALID", ErrorName(sha1));
        Assert.False(File.Exists(Path.Combine(work, "sha1.sig")));
        Assert.Equal("RET_MECHANISM_INVALID", ErrorName(await ben.RunAsync($"sign -f {work}/message.txt -k {privateKey} -m 12 -out {work}/x.sig")));

        await ben.OkAsync($"exportPubKey -k {publicKey} -out {work}/public.pem");
        var verified = await Tool.RunAsync("openssl", work, "dgst", "-sha256", "-verify", "public.pem", "-signature", "message.sig", "message.txt");
        Assert.True(verified.ExitCode == 0 && verified.Stdout.Contains("Verified OK", StringComparison.Ordinal), verified.ToString());

        var exported = await ben.OkAsync($"exportPrivateKey -k {privateKey} -w {wrapping} -out {work}/private.pem");
        Assert.Contains($"PEM formatted private key is written to {work}/private.pem", exported, StringComparison.Ordinal);
        await Tool.OpenSslAsync(work, "pkey", "-in", "private.pem", "-pubout", "-out", "derived.pem");
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(work, "public.pem")), await File.ReadAllTextAsync(Path.Combine(work, "derived.pem")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(work, "private.pem")));
    }

    [Fact]
    public async Task AKeyWrappedWithAesKeyWrapUnwrapsToTheSameKcv()
    {
        var work = Directory.CreateDirectory(Path.Combine(Dir, "cat")).FullName;
        await using var cat = await fixture.SessionAsync("cat");
        var kek = Handle(await cat.OkAsync("genSymKey -t 31 -s 32 -l cat-kek"));
        var payload = Handle(await cat.OkAsync("genSymKey -t 31 -s 24 -l cat-payload -id p1"));
        var kcv = Kcv(await cat.OkAsync($"getKeyInfo -k {payload}"));

        foreach (var mechanism in new[] { 4, 5, 6 })
        {
            var wrapped = await cat.OkAsync($"wrapKey -k {payload} -w {kek} -m {mechanism} -out {work}/payload.{mechanism}");
            Assert.Contains("Key Wrapped.", wrapped, StringComparison.Ordinal);
            Assert.Contains("Cfm2WrapKey returned: 0x00 : HSM Return: SUCCESS", wrapped, StringComparison.Ordinal);
            var unwrapped = Handle(await cat.OkAsync($"unWrapKey -f {work}/payload.{mechanism} -w {kek} -m {mechanism}"));
            var info = await cat.OkAsync($"getKeyInfo -k {unwrapped}");
            Assert.Equal(kcv, Kcv(info));
            Assert.Contains("label \"cat-payload\", ID \"p1\"", info, StringComparison.Ordinal);
        }

        // Without the header the file is the RFC 5649 output alone: the 24 key bytes and the 8-byte integrity block.
        await cat.OkAsync($"wrapKey -k {payload} -w {kek} -m 6 -noheader -out {work}/payload.raw");
        Assert.Equal(32, new FileInfo(Path.Combine(work, "payload.raw")).Length);
        var raw = Handle(await cat.OkAsync($"unWrapKey -f {work}/payload.raw -w {kek} -m 6 -noheader -l raw -kc 4 -kt 31"));
        Assert.Equal(kcv, Kcv(await cat.OkAsync($"getKeyInfo -k {raw}")));

        Assert.Equal("RET_MECHANISM_INVALID", ErrorName(await cat.RunAsync($"unWrapKey -f {work}/payload.5 -w {kek} -m 6")));
        // -m 4 pads the 24-byte key with 8 bytes of PKCS#5 padding before RFC 3394: 32 + 8 bytes.
        await cat.OkAsync($"wrapKey -k {payload} -w {kek} -m 4 -noheader -out {work}/payload.4raw");
        Assert.Equal(40, new FileInfo(Path.Combine(work, "payload.4raw")).Length);
        var tdea = await fixture.SingleAsync("cat", "wrapKey", "-k", payload.ToString(), "-w", kek.ToString(), "-m", "9", "-out", $"{work}/payload.9");
        tdea.ShouldFailWith("RET_MECHANISM_INVALID");
        Assert.False(File.Exists(Path.Combine(work, "payload.9")));
    }

    [Fact]
    public async Task AWrapWithTrustedKeyIsRefusedUnderAnUntrustedWrappingKey()
    {
        var work = Directory.CreateDirectory(Path.Combine(Dir, "dan")).FullName;
        ulong guarded, wrapping;
        await using (var dan = await fixture.SessionAsync("dan"))
        {
            guarded = Handle(await dan.OkAsync("genSymKey -t 31 -s 32 -l guarded -wrap_with_trusted 1"));
            wrapping = Handle(await dan.OkAsync("genSymKey -t 31 -s 32 -l untrusted"));
        }

        var refused = await fixture.SingleAsync("dan", "wrapKey", "-k", guarded.ToString(), "-w", wrapping.ToString(), "-m", "6", "-out", $"{work}/guarded.bin");

        refused.ShouldFailWith("RET_WRAPPING_KEY_NOT_TRUSTED");
        Assert.Contains("Cfm2WrapKey returned: 0x", refused.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, refused.ExitCode);
        Assert.False(File.Exists(Path.Combine(work, "guarded.bin")));
    }

    [Fact]
    public async Task APrivateKeyComesInOnlyThroughATrustedKekAndLeavesAsTheSameKey()
    {
        var work = Directory.CreateDirectory(Path.Combine(Dir, "gus")).FullName;
        await Tool.OpenSslAsync(work, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "outside.pem");
        await Tool.OpenSslAsync(work, "pkey", "-in", "outside.pem", "-pubout", "-out", "outside.pub");
        await using var gus = await fixture.SessionAsync("gus");
        var kek = Handle(await gus.OkAsync("genSymKey -t 31 -s 32 -l gus-kek -wrap_with_trusted 1"));

        Assert.Equal("RET_WRAPPING_KEY_NOT_TRUSTED", ErrorName(await gus.RunAsync($"importPrivateKey -l imported -f {work}/outside.pem -w {kek}")));
        Assert.Empty(Found(await gus.OkAsync("findKey -l imported")));

        (await fixture.Partition.AsCoAsync("setAttribute", kek.ToString(), "134", "1")).ShouldSucceed();

        var imported = await gus.OkAsync($"importPrivateKey -l imported -f {work}/outside.pem -w {kek}");
        Assert.Contains("Private Key Unwrapped.  Key Handle: ", imported, StringComparison.Ordinal);
        var handle = Handle(imported);
        Assert.Equal([handle], Found(await gus.OkAsync("findKey -l imported -c 3 -t 3")));

        await gus.OkAsync($"exportPrivateKey -k {handle} -w {kek} -out {work}/inside.pem");
        await Tool.OpenSslAsync(work, "pkey", "-in", "inside.pem", "-pubout", "-out", "inside.pub");
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(work, "outside.pub")), await File.ReadAllTextAsync(Path.Combine(work, "inside.pub")));
    }
}
