using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// More of OpenSC's pkcs11-tool (beside <see cref="OpenScTests"/>): every key kind it makes, its
/// sign/verify, encrypt/decrypt and read-object, and its own --test. What it signs and encrypts is
/// checked with plain openssl on the public key it reads back from the token.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class OpenScKeyTests(ModuleFixture module)
{
    private Task<CliResult> Pkcs11ToolAsync(params string[] args) =>
        ClientProgram.RunAsync(module, "pkcs11-tool", module.Partition.Directory, ["--module", ModuleFixture.LibraryPath, .. args]);

    /// <summary>pkcs11-tool logged in as the CU (the PIN on a command line is fine in a test, not in production).</summary>
    private Task<CliResult> AsUserAsync(params string[] args) => Pkcs11ToolAsync(["--login", "--pin", module.UserPin, .. args]);

    private Task<CliResult> OpenSslAsync(params string[] args) => Tool.RunAsync("openssl", module.Partition.Directory, args);

    private string FilePath(string name) => Path.Combine(module.Partition.Directory, name);

    /// <summary>pkcs11-tool picks keys for --decrypt and --read-object by CKA_ID: a fresh one per test.</summary>
    private static (string Label, string Id) NewKeyName(string kind) =>
        ($"opensc-{kind}-{Guid.NewGuid().ToString("N")[..8]}", Convert.ToHexString(Guid.NewGuid().ToByteArray()[..4]).ToLowerInvariant());

    [Fact]
    public async Task ShowsMechanismSizesAndFlags()
    {
        var mechanisms = (await Pkcs11ToolAsync("-M")).ShouldSucceed();
        Assert.Contains("AES-KEY-GEN, keySize={16,32}, hw, generate", mechanisms.Stdout);
        Assert.Contains("ECDSA-KEY-PAIR-GEN, keySize={256,521}, hw, generate_key_pair, EC F_P, EC OID, EC uncompressed", mechanisms.Stdout);
        Assert.Contains("ECDSA-SHA256, keySize={256,521}, hw, sign, verify, EC F_P, EC OID, EC uncompressed", mechanisms.Stdout);
        Assert.Contains("RSA-PKCS-OAEP, keySize={2048,4096}, hw, encrypt, decrypt, wrap, unwrap", mechanisms.Stdout);
        Assert.Contains("SHA256-RSA-PKCS-PSS, keySize={2048,4096}, hw, sign, verify", mechanisms.Stdout);
        // Performed by the node (hw). CKM_RSA_PKCS signs a DigestInfo (OpenSSL's engine, GnuTLS); its encryption is not offered.
        Assert.Matches(@"(?m)^\s+RSA-PKCS, keySize=\{2048,4096\}, hw, sign, verify$", mechanisms.Stdout);
    }

    [Fact]
    public async Task GeneratesAnEcKeySignsAndOpenSslVerifies()
    {
        var (label, id) = NewKeyName("ec");
        var made = (await AsUserAsync("--keypairgen", "--key-type", "EC:prime256v1", "--label", label, "--id", id)).ShouldSucceed();
        Assert.Contains("EC_POINT", made.Stdout);

        var data = FilePath(label + ".txt");
        var signature = FilePath(label + ".sig");
        await File.WriteAllTextAsync(data, "signed through OpenSC");
        (await AsUserAsync("--sign", "--mechanism", "ECDSA-SHA256", "--id", id, "--signature-format", "openssl",
            "--input-file", data, "--output-file", signature)).ShouldSucceed();
        var verified = (await AsUserAsync("--verify", "--mechanism", "ECDSA-SHA256", "--id", id, "--signature-format", "openssl",
            "--input-file", data, "--signature-file", signature)).ShouldSucceed();
        Assert.Contains("Signature is valid", verified.Stdout);

        // Read the public key object back and let openssl, which never saw the token, check the signature.
        var publicKey = FilePath(label + ".pub.der");
        (await AsUserAsync("--read-object", "--type", "pubkey", "--id", id, "--output-file", publicKey)).ShouldSucceed();
        var check = (await OpenSslAsync("dgst", "-sha256", "-verify", publicKey, "-keyform", "DER", "-signature", signature, data)).ShouldSucceed();
        Assert.Contains("Verified OK", check.Stdout);
        await File.AppendAllTextAsync(data, "!");
        Assert.NotEqual(0, (await OpenSslAsync("dgst", "-sha256", "-verify", publicKey, "-keyform", "DER", "-signature", signature, data)).ExitCode);

        var objects = (await AsUserAsync("--list-objects", "--type", "privkey")).ShouldSucceed();
        Assert.Contains(label, objects.Stdout);
    }

    [Fact]
    public async Task GeneratesAnRsaKeySignsAndDecryptsWhatOpenSslEncrypted()
    {
        var (label, id) = NewKeyName("rsa");
        var made = (await AsUserAsync("--keypairgen", "--key-type", "rsa:2048", "--label", label, "--id", id)).ShouldSucceed();
        Assert.Contains("RSA 2048 bits", made.Stdout);
        var publicKey = FilePath(label + ".pub.der");
        (await AsUserAsync("--read-object", "--type", "pubkey", "--id", id, "--output-file", publicKey)).ShouldSucceed();

        var data = FilePath(label + ".txt");
        await File.WriteAllTextAsync(data, "an RSA key that never leaves the HSM");
        var pkcs1 = FilePath(label + ".pkcs1.sig");
        (await AsUserAsync("--sign", "--mechanism", "SHA256-RSA-PKCS", "--id", id, "--input-file", data, "--output-file", pkcs1)).ShouldSucceed();
        Assert.Contains("Verified OK", (await OpenSslAsync("dgst", "-sha256", "-verify", publicKey, "-keyform", "DER",
            "-signature", pkcs1, data)).ShouldSucceed().Stdout);
        var pss = FilePath(label + ".pss.sig");
        (await AsUserAsync("--sign", "--mechanism", "SHA256-RSA-PKCS-PSS", "--id", id, "--input-file", data, "--output-file", pss)).ShouldSucceed();
        Assert.Contains("Verified OK", (await OpenSslAsync("dgst", "-sha256", "-verify", publicKey, "-keyform", "DER",
            "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-signature", pss, data)).ShouldSucceed().Stdout);
        var verified = (await AsUserAsync("--verify", "--mechanism", "SHA256-RSA-PKCS", "--id", id,
            "--input-file", data, "--signature-file", pkcs1)).ShouldSucceed();
        Assert.Contains("Signature is valid", verified.Stdout);

        // openssl encrypts to the public key; only the token can decrypt.
        var secret = FilePath(label + ".secret");
        var encrypted = FilePath(label + ".oaep");
        var decrypted = FilePath(label + ".decrypted");
        await File.WriteAllTextAsync(secret, "for the HSM's eyes only");
        (await OpenSslAsync("pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", publicKey, "-pkeyopt", "rsa_padding_mode:oaep",
            "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256", "-in", secret, "-out", encrypted)).ShouldSucceed();
        (await AsUserAsync("--decrypt", "--mechanism", "RSA-PKCS-OAEP", "--hash-algorithm", "SHA256", "--mgf", "MGF1-SHA256", "--id", id,
            "--input-file", encrypted, "--output-file", decrypted)).ShouldSucceed();
        Assert.Equal("for the HSM's eyes only", await File.ReadAllTextAsync(decrypted));
    }

    [Fact]
    public async Task GeneratesAnAesKeyEncryptsAndDecrypts()
    {
        var (label, id) = NewKeyName("aes");
        var made = (await AsUserAsync("--keygen", "--key-type", "AES:32", "--label", label, "--id", id)).ShouldSucceed();
        Assert.Contains("AES length 32", made.Stdout);

        const string iv = "000102030405060708090a0b0c0d0e0f";
        var plain = FilePath(label + ".txt");
        var encrypted = FilePath(label + ".enc");
        var decrypted = FilePath(label + ".dec");
        await File.WriteAllTextAsync(plain, "twenty-five bytes of text");
        (await AsUserAsync("--encrypt", "--mechanism", "AES-CBC-PAD", "--iv", iv, "--id", id, "--input-file", plain, "--output-file", encrypted)).ShouldSucceed();
        var ciphertext = await File.ReadAllBytesAsync(encrypted);
        Assert.Equal(32, ciphertext.Length); // 25 bytes padded to two blocks
        Assert.DoesNotContain("twenty-five", System.Text.Encoding.Latin1.GetString(ciphertext));
        (await AsUserAsync("--decrypt", "--mechanism", "AES-CBC-PAD", "--iv", iv, "--id", id, "--input-file", encrypted, "--output-file", decrypted)).ShouldSucceed();
        Assert.Equal("twenty-five bytes of text", await File.ReadAllTextAsync(decrypted));

        var objects = (await AsUserAsync("--list-objects", "--type", "secrkey")).ShouldSucceed();
        Assert.Contains(label, objects.Stdout);
        Assert.Contains("AES length 32", objects.Stdout);
    }
}
