using System.Security.Cryptography;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.IntegrationTests.Users;

namespace CloudHsm.IntegrationTests.Keys;

/// <summary>
/// `cloudhsm crypto ...` against a real node: signatures verify with openssl against `key export`
/// output; AES-GCM round trips through files; digest and random agree with the tools around them.
/// </summary>
public sealed class CryptoCliTests(ActivatedPartitionFixture fixture) : IClassFixture<ActivatedPartitionFixture>
{
    private static readonly byte[] Message = "a message signed inside the partition"u8.ToArray();

    private TestPartition P => fixture.Partition;

    [Fact]
    public async Task RsaEcdsaAndEd25519Signatures_VerifyWithOpensslAgainstTheExportedPublicKey()
    {
        using var alice = await CliKeyUser.CreateAsync(P, "crypto_alice");
        await File.WriteAllBytesAsync(alice.PathOf("data.bin"), Message);
        await File.WriteAllBytesAsync(alice.PathOf("other.bin"), "another message"u8.ToArray());

        // RSA PKCS#1 v1.5 and PSS with SHA-256.
        var (rsaPrivate, rsaPublic) = await alice.Api.GenerateKeyPairAsync(0x00, "2048");
        (await alice.RunAsync("key", "export", "--handle", rsaPublic.ToString(), "--out", "rsa.pem")).ShouldSucceed();
        (await alice.RunAsync("crypto", "sign", "--handle", rsaPrivate.ToString(), "--mechanism", "sha256-rsa-pkcs", "--in", "data.bin", "--out", "rsa.sig")).ShouldSucceed();
        await alice.OpenSslAsync("dgst", "-sha256", "-verify", "rsa.pem", "-signature", "rsa.sig", "data.bin");
        (await alice.RunAsync("crypto", "sign", "--handle", rsaPrivate.ToString(), "--mechanism", "sha256-rsa-pss", "--in", "data.bin", "--out", "pss.sig")).ShouldSucceed();
        await alice.OpenSslAsync("dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:auto", "-verify", "rsa.pem",
            "-signature", "pss.sig", "data.bin");
        // openssl does fail on other data, so the checks above could fail.
        Assert.NotEqual(0, (await Tool.RunAsync("openssl", alice.Directory, "dgst", "-sha256", "-verify", "rsa.pem", "-signature", "rsa.sig", "other.bin")).ExitCode);

        // ECDSA P-256 with SHA-256 (DER for openssl), and ECDSA on a digest made outside.
        var (ecPrivate, ecPublic) = await alice.Api.GenerateKeyPairAsync(0x03, "1.2.840.10045.3.1.7");
        (await alice.RunAsync("key", "export", "--handle", ecPublic.ToString(), "--out", "ec.pem")).ShouldSucceed();
        (await alice.RunAsync("crypto", "sign", "--handle", ecPrivate.ToString(), "--mechanism", "ecdsa-sha256", "--signature-format", "der",
            "--in", "data.bin", "--out", "ec.sig")).ShouldSucceed();
        await alice.OpenSslAsync("dgst", "-sha256", "-verify", "ec.pem", "-signature", "ec.sig", "data.bin");
        await File.WriteAllBytesAsync(alice.PathOf("data.sha256"), SHA256.HashData(Message));
        (await alice.RunAsync("crypto", "sign", "--handle", ecPrivate.ToString(), "--mechanism", "ecdsa", "--signature-format", "der",
            "--in", "data.sha256", "--out", "ec-digest.sig")).ShouldSucceed();
        await alice.OpenSslAsync("dgst", "-sha256", "-verify", "ec.pem", "-signature", "ec-digest.sig", "data.bin");
        // The HSM verifies the DER form too, and refuses it for other data (exit 1, a stable name).
        (await alice.RunAsync("crypto", "verify", "--handle", ecPublic.ToString(), "--mechanism", "ecdsa-sha256", "--signature-format", "der",
            "--in", "data.bin", "--signature", "ec.sig")).ShouldSucceed();
        (await alice.RunAsync("crypto", "verify", "--handle", ecPublic.ToString(), "--mechanism", "ecdsa-sha256", "--signature-format", "der",
            "--in", "other.bin", "--signature", "ec.sig")).ShouldFailWith("RET_SIGNATURE_INVALID");

        // Ed25519 (pure: openssl takes the raw message).
        var (edPrivate, edPublic) = await alice.Api.GenerateKeyPairAsync(0x40, "");
        (await alice.RunAsync("key", "export", "--handle", edPublic.ToString(), "--out", "ed.pem")).ShouldSucceed();
        (await alice.RunAsync("crypto", "sign", "--handle", edPrivate.ToString(), "--mechanism", "ed25519", "--in", "data.bin", "--out", "ed.sig")).ShouldSucceed();
        await alice.OpenSslAsync("pkeyutl", "-verify", "-pubin", "-inkey", "ed.pem", "-rawin", "-in", "data.bin", "-sigfile", "ed.sig");
    }

    [Fact]
    public async Task AesGcmRoundTripsThroughFiles_WithTheIvTheHsmMade_AndRefusesAlteredCiphertext()
    {
        using var bob = await CliKeyUser.CreateAsync(P, "crypto_bob");
        var aes = (await bob.GenerateAesAsync()).ToString();
        var plaintext = RandomNumberGenerator.GetBytes(1000);
        await File.WriteAllBytesAsync(bob.PathOf("plain.bin"), plaintext);

        var encrypted = await bob.JsonAsync("crypto", "encrypt", "--handle", aes, "--mechanism", "aes-gcm", "--aad", "c0ffee",
            "--in", "plain.bin", "--out", "cipher.bin", "--iv-out", "cipher.iv");
        var iv = encrypted.GetProperty("iv").GetString()!;
        Assert.Equal(24, iv.Length); // a 12-byte nonce made by the HSM
        Assert.Equal(iv, CliKeyUser.Hex(await File.ReadAllBytesAsync(bob.PathOf("cipher.iv"))));
        Assert.Equal(plaintext.Length + 16, new FileInfo(bob.PathOf("cipher.bin")).Length);

        (await bob.RunAsync("crypto", "decrypt", "--handle", aes, "--mechanism", "aes-gcm", "--aad", "c0ffee", "--iv", iv,
            "--in", "cipher.bin", "--out", "decrypted.bin")).ShouldSucceed();
        Assert.Equal(plaintext, await File.ReadAllBytesAsync(bob.PathOf("decrypted.bin")));

        var altered = await File.ReadAllBytesAsync(bob.PathOf("cipher.bin"));
        altered[10] ^= 0x01;
        await File.WriteAllBytesAsync(bob.PathOf("altered.bin"), altered);
        (await bob.RunAsync("crypto", "decrypt", "--handle", aes, "--mechanism", "aes-gcm", "--aad", "c0ffee", "--iv-file", "cipher.iv",
            "--in", "altered.bin", "--out", "nothing.bin")).ShouldFailWith("RET_ENCRYPTED_DATA_INVALID");
        Assert.False(File.Exists(bob.PathOf("nothing.bin")));
    }

    [Fact]
    public async Task DigestEqualsSha256sum_AndRandomGivesTheBytesAsked()
    {
        using var carol = await CliKeyUser.CreateAsync(P, "crypto_carol");
        await File.WriteAllBytesAsync(carol.PathOf("data.bin"), RandomNumberGenerator.GetBytes(4096));

        var digest = (await carol.RunAsync("crypto", "digest", "--mechanism", "sha256", "--in", "data.bin")).ShouldSucceed().Stdout.Trim();
        var sha256sum = (await Tool.RunAsync("sha256sum", carol.Directory, "data.bin")).ShouldSucceed().Stdout.Split(' ')[0];
        Assert.Equal(sha256sum, digest);

        // Standard input works too.
        var fromStdin = await CliRunner.RunAsync(["crypto", "digest", "--mechanism", "sha512", "--in", "-", "--json"], stdin: "abc", env: new Dictionary<string, string?>
        {
            ["CLOUDHSM_CONFIG"] = P.ConfigPath, ["CLOUDHSM_USER"] = carol.Name, ["CLOUDHSM_PASSWORD"] = CliKeyUser.Password,
        });
        Assert.Contains(CliKeyUser.Hex(SHA512.HashData("abc"u8)), fromStdin.ShouldSucceed().Stdout, StringComparison.Ordinal);

        (await carol.RunAsync("crypto", "random", "--length", "32", "--out", "random.bin")).ShouldSucceed();
        var random = await File.ReadAllBytesAsync(carol.PathOf("random.bin"));
        Assert.Equal(32, random.Length);
        Assert.Contains(random, b => b != 0);
    }
}
