using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// OpenSSL 3 signs with a key in the HSM through libp11's pkcs11 engine and a pkcs11: URI; plain
/// openssl, without the engine, checks what came out against the public key read from the token.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class OpenSslEngineTests(ModuleFixture module)
{
    /// <summary>pkcs11-tool's key type, and the signature algorithm openssl names for it.</summary>
    public static TheoryData<string, string> KeyTypes => new()
    {
        { "EC:prime256v1", "ecdsa-with-SHA256" },
        { "rsa:2048", "sha256WithRSAEncryption" }, // libp11 signs a DigestInfo with CKM_RSA_PKCS
    };

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public async Task MakesACertificateRequestThatPlainOpenSslVerifies(string keyType, string signatureAlgorithm)
    {
        var engine = await OpenSslEngine.CreateAsync(module, "csr");
        var label = "openssl-csr-" + keyType[..2].ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..8];
        var tokenPublicKey = await engine.GenerateKeyAsync(label, keyType);
        var csr = engine.PathOf(label + ".csr");

        (await engine.OpenSslAsync("req", "-new", "-sha256", "-engine", "pkcs11", "-keyform", "engine", "-key", engine.PrivateKeyUri(label),
            "-subj", "/CN=csr.example.test/O=CloudHSM tests", "-out", csr)).ShouldSucceed();

        var verified = (await engine.PlainOpenSslAsync("req", "-in", csr, "-verify", "-noout")).ShouldSucceed();
        Assert.Contains("self-signature verify OK", verified.Output);
        Assert.Contains("Signature Algorithm: " + signatureAlgorithm,
            (await engine.PlainOpenSslAsync("req", "-in", csr, "-noout", "-text")).ShouldSucceed().Stdout);
        Assert.Equal(await PemOfPublicKeyAsync(engine, tokenPublicKey, label),
            (await engine.PlainOpenSslAsync("req", "-in", csr, "-pubkey", "-noout")).ShouldSucceed().Stdout);

        // The check can fail: the same request with one byte of its signature changed does not verify.
        var der = engine.PathOf(label + ".csr.der");
        (await engine.PlainOpenSslAsync("req", "-in", csr, "-outform", "DER", "-out", der)).ShouldSucceed();
        var bytes = await File.ReadAllBytesAsync(der);
        bytes[^5] ^= 0x01; // inside the signature at the end of the request
        await File.WriteAllBytesAsync(der, bytes);
        // (OpenSSL 3.0's req -verify exits 0 either way: the printed verdict is the answer.)
        var tampered = await engine.PlainOpenSslAsync("req", "-inform", "DER", "-in", der, "-verify", "-noout");
        Assert.Contains("self-signature verify failure", tampered.Output);
        Assert.DoesNotContain("verify OK", tampered.Output);
    }

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public async Task MakesASelfSignedCertificateThatPlainOpenSslVerifies(string keyType, string signatureAlgorithm)
    {
        var engine = await OpenSslEngine.CreateAsync(module, "x509");
        var label = "openssl-x509-" + keyType[..2].ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..8];
        var tokenPublicKey = await engine.GenerateKeyAsync(label, keyType);

        var certificate = await engine.SelfSignedCertificateAsync(label, "x509.example.test");

        // -check_ss_sig: openssl verify does not check a trusted root's own signature unless asked.
        var verified = (await engine.PlainOpenSslAsync("verify", "-check_ss_sig", "-CAfile", certificate, certificate)).ShouldSucceed();
        Assert.Contains(": OK", verified.Stdout);
        Assert.Equal(await PemOfPublicKeyAsync(engine, tokenPublicKey, label),
            (await engine.PlainOpenSslAsync("x509", "-in", certificate, "-pubkey", "-noout")).ShouldSucceed().Stdout);
        var text = (await engine.PlainOpenSslAsync("x509", "-in", certificate, "-noout", "-text")).ShouldSucceed().Stdout;
        Assert.Contains("Signature Algorithm: " + signatureAlgorithm, text);
        Assert.Contains("DNS:x509.example.test", text);
    }

    /// <summary>The token's public key (SPKI DER from pkcs11-tool) as openssl prints it in PEM.</summary>
    private static async Task<string> PemOfPublicKeyAsync(OpenSslEngine engine, byte[] spki, string label)
    {
        var der = engine.PathOf(label + ".token-pub.der");
        await File.WriteAllBytesAsync(der, spki);
        return (await engine.PlainOpenSslAsync("pkey", "-pubin", "-inform", "DER", "-in", der, "-outform", "PEM")).ShouldSucceed().Stdout;
    }
}
