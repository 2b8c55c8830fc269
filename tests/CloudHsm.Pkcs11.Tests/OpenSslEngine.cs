using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// OpenSSL 3 with libp11's pkcs11 engine over the module: the engine configuration written from
/// ClientFiles/openssl-pkcs11.cnf, keys made with pkcs11-tool, and RFC 7512 URIs naming them.
/// </summary>
public sealed class OpenSslEngine
{
    private readonly ModuleFixture _module;

    private OpenSslEngine(ModuleFixture module, string directory, string configPath, string tokenLabel)
    {
        _module = module;
        Directory = directory;
        ConfigPath = configPath;
        TokenLabel = tokenLabel;
    }

    public string Directory { get; }
    public string ConfigPath { get; }
    public string TokenLabel { get; }

    /// <summary>Writes the engine configuration into a fresh folder under the partition's.</summary>
    public static async Task<OpenSslEngine> CreateAsync(ModuleFixture module, string name)
    {
        var directory = Path.Combine(module.Partition.Directory, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "openssl-pkcs11.cnf");
        var template = await File.ReadAllTextAsync(ClientProgram.File("openssl-pkcs11.cnf"));
        await File.WriteAllTextAsync(config, template.Replace("@MODULE@", ModuleFixture.LibraryPath, StringComparison.Ordinal));
        var label = module.Slot.GetTokenInfo().Label.TrimEnd();
        Assert.StartsWith("cloudhsm-", label);
        return new OpenSslEngine(module, directory, config, label);
    }

    public string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>
    /// The RFC 7512 URI of a private key with the CU's PIN in it (percent-encoded). libp11 takes at
    /// most 32 characters of PIN this way; the test PIN is shorter.
    /// </summary>
    public string PrivateKeyUri(string label) =>
        $"pkcs11:token={TokenLabel};object={label};type=private;pin-value={Uri.EscapeDataString(_module.UserPin)}";

    /// <summary>
    /// A token key pair made by pkcs11-tool (<paramref name="keyType"/> as its --key-type: EC:prime256v1,
    /// rsa:2048); returns its public key (SPKI DER) as read back from the token.
    /// </summary>
    public async Task<byte[]> GenerateKeyAsync(string label, string keyType)
    {
        var id = Convert.ToHexString(Guid.NewGuid().ToByteArray()[..4]).ToLowerInvariant();
        (await Pkcs11ToolAsync("--login", "--pin", _module.UserPin, "--keypairgen", "--key-type", keyType, "--label", label, "--id", id)).ShouldSucceed();
        var publicKey = PathOf(label + ".pub.der");
        (await Pkcs11ToolAsync("--login", "--pin", _module.UserPin, "--read-object", "--type", "pubkey", "--id", id, "--output-file", publicKey)).ShouldSucceed();
        return await File.ReadAllBytesAsync(publicKey);
    }

    /// <summary>openssl with the engine configuration (OPENSSL_CONF) and the module's CLOUDHSM_CONFIG.</summary>
    public Task<CliResult> OpenSslAsync(params string[] args) =>
        ClientProgram.RunAsync(_module, "openssl", Directory, args, new Dictionary<string, string> { ["OPENSSL_CONF"] = ConfigPath });

    /// <summary>openssl without the engine: nothing but the files it is given.</summary>
    public Task<CliResult> PlainOpenSslAsync(params string[] args) => Tool.RunAsync("openssl", Directory, args);

    /// <summary>A self-signed certificate for <paramref name="host"/> signed in the HSM with the key <paramref name="label"/>.</summary>
    public async Task<string> SelfSignedCertificateAsync(string label, string host)
    {
        var certificate = PathOf(label + ".crt");
        (await OpenSslAsync("req", "-new", "-x509", "-days", "2", "-sha256", "-engine", "pkcs11", "-keyform", "engine",
            "-key", PrivateKeyUri(label), "-subj", "/CN=" + host, "-addext", "subjectAltName=DNS:" + host, "-out", certificate)).ShouldSucceed();
        return certificate;
    }

    private Task<CliResult> Pkcs11ToolAsync(params string[] args) =>
        ClientProgram.RunAsync(_module, "pkcs11-tool", Directory, ["--module", ModuleFixture.LibraryPath, .. args]);
}
