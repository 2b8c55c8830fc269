using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// GnuTLS's p11tool (gnutls-bin) with the module as its provider: lists the token, generates EC and
/// RSA keys in it and runs its own sign-and-verify check against the key and the token's public key.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class GnuTlsTests(ModuleFixture module)
{
    private Task<CliResult> P11ToolAsync(params string[] args) =>
        ClientProgram.RunAsync(module, "p11tool", module.Partition.Directory, ["--provider", ModuleFixture.LibraryPath, .. args],
            new Dictionary<string, string> { ["GNUTLS_PIN"] = module.UserPin }); // p11tool reads the PIN from GNUTLS_PIN

    /// <summary>p11tool's key options, the key type it lists, and its signature (RSA: CKM_RSA_PKCS over a DigestInfo).</summary>
    public static TheoryData<string[], string, string> Keys => new()
    {
        { ["ECDSA", "--curve", "secp256r1"], "EC/ECDSA-SECP256R1", "ECDSA-SHA256" },
        { ["RSA", "--bits", "2048"], "RSA-2048", "RSA-SHA256" },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task ListsTheTokenGeneratesAKeyAndSigns(string[] keyOptions, string keyType, string signature)
    {
        var tokens = (await P11ToolAsync("--list-tokens")).ShouldSucceed();
        var label = module.Slot.GetTokenInfo().Label.TrimEnd();
        Assert.Contains("Label: " + label, tokens.Stdout);
        Assert.Contains("Manufacturer: CloudHSM", tokens.Stdout);
        Assert.Contains("Flags: RNG, Requires login", tokens.Stdout);

        var token = $"pkcs11:token={label}";
        var keyLabel = "gnutls-" + Guid.NewGuid().ToString("N")[..8];
        var generated = (await P11ToolAsync(["--login", "--generate-privkey", .. keyOptions, "--label", keyLabel, token])).ShouldSucceed();
        Assert.Contains("-----BEGIN PUBLIC KEY-----", generated.Stdout);

        var key = $"{token};object={keyLabel};type=private";
        var listed = (await P11ToolAsync("--login", "--list-privkeys", token)).ShouldSucceed();
        Assert.Contains($"object={keyLabel};type=private", listed.Stdout);
        Assert.Contains($"Type: Private key ({keyType})", listed.Stdout);

        var signed = (await P11ToolAsync("--login", "--test-sign", key)).ShouldSucceed();
        Assert.Contains($"Signing using {signature}... ok", signed.Output);
        Assert.Contains("Verifying against public key in the token... ok", signed.Output);
    }
}
