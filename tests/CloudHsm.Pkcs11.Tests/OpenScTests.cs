using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>OpenSC's pkcs11-tool, a client nobody here wrote, driving the module in its own process.</summary>
[Collection(ModuleCollection.Name)]
public sealed class OpenScTests(ModuleFixture module)
{
    private Task<CliResult> Pkcs11ToolAsync(params string[] args) => Pkcs11ToolWithConfigAsync(module.Partition.ConfigPath, args);

    private async Task<CliResult> Pkcs11ToolWithConfigAsync(string configPath, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("pkcs11-tool")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = module.Partition.Directory,
        };
        psi.ArgumentList.Add("--module");
        psi.ArgumentList.Add(ModuleFixture.LibraryPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["CLOUDHSM_CONFIG"] = configPath;
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(300)); // a hang guard, not a speed limit
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task ListsSlotTokenAndMechanisms()
    {
        var slots = (await Pkcs11ToolAsync("-L")).ShouldSucceed();
        Assert.Contains("CloudHSM partition", slots.Stdout);
        Assert.Contains("token label        : cloudhsm-", slots.Stdout);
        Assert.Contains("token manufacturer : CloudHSM", slots.Stdout);
        Assert.Contains("login required", slots.Stdout);

        var token = (await Pkcs11ToolAsync("-T")).ShouldSucceed();
        Assert.Contains("serial num", token.Stdout);

        var mechanisms = (await Pkcs11ToolAsync("-M")).ShouldSucceed();
        Assert.Contains("ECDSA-SHA256", mechanisms.Stdout);
        Assert.Contains("AES-GCM", mechanisms.Stdout);
        Assert.Contains("RSA-PKCS-KEY-PAIR-GEN", mechanisms.Stdout);
    }

    [Fact]
    public async Task GeneratesAnEcKeyAndSignsWithIt()
    {
        var pin = module.UserPin;
        var label = "opensc-" + Guid.NewGuid().ToString("N")[..8];
        // pkcs11-tool picks the key to verify with by ID (the first public key when none is given), and
        // other tests leave token keys: give this pair an ID of its own and name it in every command.
        var id = label[^8..];
        var made = (await Pkcs11ToolAsync("--login", "--pin", pin, "--keypairgen", "--key-type", "EC:prime256v1", "--label", label, "--id", id)).ShouldSucceed();
        Assert.Contains("EC_POINT", made.Stdout);

        var data = Path.Combine(module.Partition.Directory, label + ".txt");
        var signature = Path.Combine(module.Partition.Directory, label + ".sig");
        await File.WriteAllTextAsync(data, "signed through OpenSC");
        (await Pkcs11ToolAsync("--login", "--pin", pin, "--sign", "--mechanism", "ECDSA-SHA256", "--label", label, "--id", id,
            "--input-file", data, "--output-file", signature)).ShouldSucceed();
        Assert.Equal(64, new FileInfo(signature).Length);
        var verified = (await Pkcs11ToolAsync("--login", "--pin", pin, "--verify", "--mechanism", "ECDSA-SHA256", "--label", label, "--id", id,
            "--input-file", data, "--signature-file", signature)).ShouldSucceed();
        Assert.Contains("Signature is valid", verified.Stdout);

        var objects = (await Pkcs11ToolAsync("--login", "--pin", pin, "--list-objects", "--type", "privkey")).ShouldSucceed();
        Assert.Contains(label, objects.Stdout);
    }

    [Fact]
    public async Task ListsTheThreeZeroAndTwoFortyInterfaces()
    {
        var interfaces = (await Pkcs11ToolAsync("--list-interfaces")).ShouldSucceed();
        Assert.Contains("version: 3.0", interfaces.Stdout);
        Assert.Contains("version: 2.40", interfaces.Stdout);
    }

    [Fact]
    public async Task DerivesAnEcdhSecretThatOpenSslAgreesWith()
    {
        var pin = module.UserPin;
        var label = "ecdh-" + Guid.NewGuid().ToString("N")[..8];
        (await Pkcs11ToolAsync("--login", "--pin", pin, "--keypairgen", "--key-type", "EC:prime256v1", "--usage-derive", "--label", label, "--id", "0c0d")).ShouldSucceed();
        using var peer = System.Security.Cryptography.ECDiffieHellman.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var peerFile = Path.Combine(module.Partition.Directory, label + ".peer.der");
        var secretFile = Path.Combine(module.Partition.Directory, label + ".secret");
        await File.WriteAllBytesAsync(peerFile, peer.ExportSubjectPublicKeyInfo());
        // pkcs11-tool finds the key to derive from by --id only (a label alone takes the first private key).
        var derived = (await Pkcs11ToolAsync("--login", "--pin", pin, "--derive", "--mechanism", "ECDH1-DERIVE", "--id", "0c0d",
            "--input-file", peerFile, "--output-file", secretFile)).ShouldSucceed();

        Assert.Contains("ECDH1-DERIVE", derived.Stdout);

        // The same agreement computed by .NET from the token's public key (SubjectPublicKeyInfo, as pkcs11-tool reads it out).
        var publicFile = Path.Combine(module.Partition.Directory, label + ".pub.der");
        (await Pkcs11ToolAsync("--login", "--pin", pin, "--read-object", "--type", "pubkey", "--id", "0c0d", "--output-file", publicFile)).ShouldSucceed();
        using var token = System.Security.Cryptography.ECDiffieHellman.Create();
        token.ImportSubjectPublicKeyInfo(await File.ReadAllBytesAsync(publicFile), out _);
        Assert.Equal(peer.DeriveRawSecretAgreement(token.PublicKey), await File.ReadAllBytesAsync(secretFile));
    }

    [Fact]
    public async Task WritesACertificateAndReadsItBack()
    {
        var pin = module.UserPin;
        var id = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=opensc-" + id, key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var der = certificate.RawData;
        var written = Path.Combine(module.Partition.Directory, id + ".der");
        var read = Path.Combine(module.Partition.Directory, id + "-read.der");
        await File.WriteAllBytesAsync(written, der);

        (await Pkcs11ToolAsync("--login", "--pin", pin, "--write-object", written, "--type", "cert", "--id", id, "--label", "cert-" + id)).ShouldSucceed();
        (await Pkcs11ToolAsync("--login", "--pin", pin, "--read-object", "--type", "cert", "--id", id, "--output-file", read)).ShouldSucceed();
        Assert.Equal(der, await File.ReadAllBytesAsync(read));

        var objects = (await Pkcs11ToolAsync("--login", "--pin", pin, "--list-objects", "--type", "cert")).ShouldSucceed();
        Assert.Contains("cert-" + id, objects.Stdout);
        Assert.Contains("CN=opensc-" + id, objects.Stdout);
        (await Pkcs11ToolAsync("--login", "--pin", pin, "--delete-object", "--type", "cert", "--id", id)).ShouldSucceed();
    }

    [Fact]
    public async Task WritesADataObjectAndReadsItBack()
    {
        var pin = module.UserPin;
        var label = "data-" + Guid.NewGuid().ToString("N")[..8];
        var written = Path.Combine(module.Partition.Directory, label + ".bin");
        var read = Path.Combine(module.Partition.Directory, label + "-read.bin");
        var value = System.Security.Cryptography.RandomNumberGenerator.GetBytes(100);
        await File.WriteAllBytesAsync(written, value);

        (await Pkcs11ToolAsync("--login", "--pin", pin, "--write-object", written, "--type", "data", "--label", label, "--application-label", "app-" + label)).ShouldSucceed();
        (await Pkcs11ToolAsync("--login", "--pin", pin, "--read-object", "--type", "data", "--label", label, "--output-file", read)).ShouldSucceed();
        Assert.Equal(value, await File.ReadAllBytesAsync(read));
    }

    [Fact]
    public async Task AConfigurationListingADeadNodeFirstReachesTheLiveOne()
    {
        var dead = ModuleFixture.DeadEndpoint();
        var node = module.Partition.Node;
        var config = Path.Combine(module.Partition.Directory, "client-dead-first.json");
        await File.WriteAllTextAsync(config, System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["nodes"] = new[] { dead, node.Endpoint },
            ["wire"] = new[] { dead, node.WireEndpoint! },
            ["poCertificate"] = module.Partition.PoCert,
            ["timeoutSeconds"] = 120,
        }));
        var token = (await Pkcs11ToolWithConfigAsync(config, "-T")).ShouldSucceed();
        Assert.Contains("serial num", token.Stdout);
        var output = Path.Combine(module.Partition.Directory, "dead-first.random");
        (await Pkcs11ToolWithConfigAsync(config, "--login", "--pin", module.UserPin, "--generate-random", "16", "--output-file", output)).ShouldSucceed();
        Assert.Equal(16, new FileInfo(output).Length);
    }

    [Fact]
    public async Task PassesPkcs11ToolsOwnTest()
    {
        // pkcs11-tool --test signs a SHA-1 DigestInfo with CKM_RSA_PKCS among its checks, which a
        // partition refuses unless it was made with the non-FIPS switch (SHA-1 signing, SP 800-131A);
        // it also tests every private key it finds, so it gets a partition of its own with one key pair.
        await using var partition = await TestPartition.StartActivatedAsync("--non-fips");
        (await partition.AsCoAsync("createUser", "CU", ModuleFixture.User, ModuleFixture.Password)).ShouldSucceed();
        var label = "opensc-test-" + Guid.NewGuid().ToString("N")[..8];
        (await Pkcs11ToolWithConfigAsync(partition.ConfigPath, "--login", "--pin", module.UserPin, "--keypairgen", "--key-type", "rsa:2048", "--label", label, "--id", "7e57")).ShouldSucceed();

        var result = await Pkcs11ToolWithConfigAsync(partition.ConfigPath, "--login", "--pin", module.UserPin, "--test");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("No errors", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("all 4 digest functions seem to work", result.Stdout, StringComparison.Ordinal);
        // It signs only where a signature mechanism is flagged CKF_HW (performed by the device).
        Assert.Contains("all 4 signature functions seem to work", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("SHA256-RSA-PKCS: OK", result.Stdout, StringComparison.Ordinal);
        Assert.Matches($@"testing key \d+ \({label}\)", result.Stdout);
    }

    [Fact]
    public async Task ACallsInAForkedChildAfterCInitialize()
    {
        var result = await Pkcs11ToolAsync("--login", "--pin", module.UserPin, "--test-fork");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("forked child", result.Stdout, StringComparison.Ordinal);
    }
}
