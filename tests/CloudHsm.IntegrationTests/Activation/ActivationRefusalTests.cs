using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Activation;

/// <summary>
/// storeCert refuses every owner or partition certificate that is not exactly right, with a stable
/// error name, and leaves the partition as it was: not activated, the slot empty (or, once active,
/// holding the original PO), and still activatable with the right certificates.
/// </summary>
public sealed class ActivationRefusalTests
{
    private const string PrecoPassword = "tenantadmin";

    [Fact]
    public async Task PartitionCertificateSignedByAnotherOwnerIsRefusedAsChainInvalid()
    {
        await using var p = await TestPartition.StartAsync();
        var csr = await GetCsrAsync(p);
        // The impostor owner even takes the real owner's name: only the signature can tell them apart.
        var impostor = await OpenSslCertificates.SelfSignedCaAsync(p.Directory, "IMPOSTOR", subject: "/CN=Integration Test Partition Owner");
        var forged = await OpenSslCertificates.SignAsync(p.Directory, csr, impostor, "IMPOSTOR.key", "POAC-forged.crt");
        (await AsPrecoAsync(p, "storeCert", p.PoCert, "4")).ShouldSucceed();

        (await AsPrecoAsync(p, "storeCert", forged, "8")).ShouldFailWith("RET_CERT_CHAIN_INVALID");
        // The owner's certificate itself is not a partition certificate either.
        (await AsPrecoAsync(p, "storeCert", p.PoCert, "8")).ShouldFailWith("RET_CERT_CHAIN_INVALID");

        await AssertNotActivatedAsync(p);
        await AssertSlotEmptyAsync(p, 8);
        await AssertStillActivatableAsync(p, csr, ownerStored: true);
    }

    [Fact]
    public async Task PartitionCertificateForAnotherKeyIsRefusedAsPolicyMismatch()
    {
        await using var p = await TestPartition.StartAsync();
        var csr = await GetCsrAsync(p);
        var foreignCsr = await OpenSslCertificates.ForeignCsrAsync(p.Directory, "FOREIGN");
        var foreign = await OpenSslCertificates.SignAsync(p.Directory, foreignCsr, p.PoCert, p.PoKey, "POAC-foreign.crt");
        (await AsPrecoAsync(p, "storeCert", p.PoCert, "4")).ShouldSucceed();

        (await AsPrecoAsync(p, "storeCert", foreign, "8")).ShouldFailWith("RET_POLICY_MISMATCH");

        await AssertNotActivatedAsync(p);
        await AssertSlotEmptyAsync(p, 8);
        await AssertStillActivatableAsync(p, csr, ownerStored: true);
    }

    [Theory]
    [InlineData("rsa:3072")]
    [InlineData("rsa:1024")]
    [InlineData("ec:P-256")]
    public async Task OwnerCertificateWithAnotherKeyThanRsa2048IsRefusedAsCertInvalid(string keyAlgorithm)
    {
        await using var p = await TestPartition.StartAsync();
        var other = await OpenSslCertificates.SelfSignedCaAsync(p.Directory, "OTHER", keyAlgorithm);

        var result = (await AsPrecoAsync(p, "storeCert", other, "4")).ShouldFailWith("RET_CERT_INVALID");

        Assert.Contains("RSA-2048", result.Stderr, StringComparison.Ordinal);
        await AssertNoOwnerStoredAsync(p);
    }

    [Fact]
    public async Task OwnerCertificateThatIsNotSelfSignedIsRefusedAsCertInvalid()
    {
        await using var p = await TestPartition.StartAsync();
        await OpenSslCertificates.SelfSignedCaAsync(p.Directory, "ROOT", subject: "/CN=Some Root CA");
        var intermediate = await OpenSslCertificates.IntermediateCaAsync(p.Directory, "INTERMEDIATE", "ROOT");
        var text = (await Tool.RunAsync("openssl", p.Directory, "x509", "-in", intermediate, "-noout", "-text")).ShouldSucceed().Stdout;
        Assert.Contains("CA:TRUE", text, StringComparison.Ordinal); // a CA, RSA-2048: only self-signature is missing

        var result = (await AsPrecoAsync(p, "storeCert", intermediate, "4")).ShouldFailWith("RET_CERT_INVALID");

        Assert.Contains("self-signed", result.Stderr, StringComparison.Ordinal);
        await AssertNoOwnerStoredAsync(p);
    }

    [Fact]
    public async Task OwnerCertificateThatIsNotACaIsRefusedAsCertInvalid()
    {
        await using var p = await TestPartition.StartAsync();
        var leaf = await OpenSslCertificates.SelfSignedCaAsync(p.Directory, "LEAF", extraArgs: ["-addext", "basicConstraints=critical,CA:FALSE"]);

        var result = (await AsPrecoAsync(p, "storeCert", leaf, "4")).ShouldFailWith("RET_CERT_INVALID");

        Assert.Contains("CA:TRUE", result.Stderr, StringComparison.Ordinal);
        await AssertNoOwnerStoredAsync(p);
    }

    [Fact]
    public async Task MalformedCertificateFilesAreRefusedAsCertInvalidWithoutAStackTrace()
    {
        await using var p = await TestPartition.StartAsync();
        var csr = await GetCsrAsync(p);
        var pem = await File.ReadAllTextAsync(p.PoCert);
        var random = new byte[600];
        new Random(20240611).NextBytes(random);
        var files = new Dictionary<string, byte[]>
        {
            ["random bytes"] = random,
            ["PEM cut in the middle (no END line)"] = Encoding.ASCII.GetBytes(pem[..(pem.Length / 2)]),
            ["DER cut short"] = DerOf(p.PoCert)[..300],
            ["empty file"] = [],
            ["a CSR, not a certificate"] = await File.ReadAllBytesAsync(csr),
            ["more than 16 KB"] = Encoding.ASCII.GetBytes(new string('A', 20_000)),
        };
        var path = Path.Combine(p.Directory, "malformed.crt");

        // One node for all: a refused file that was stored anyway would turn the next refusal into
        // RET_CERT_ALREADY_STORED, so the sequence itself checks that nothing was stored.
        foreach (var (what, bytes) in files)
        {
            await File.WriteAllBytesAsync(path, bytes);
            AssertRefused(await AsPrecoAsync(p, "storeCert", path, "4"), "RET_CERT_INVALID", $"{what} in slot 4");
        }
        await AssertSlotEmptyAsync(p, 4);
        (await AsPrecoAsync(p, "storeCert", p.PoCert, "4")).ShouldSucceed();
        foreach (var what in new[] { "random bytes", "PEM cut in the middle (no END line)" })
        {
            await File.WriteAllBytesAsync(path, files[what]);
            AssertRefused(await AsPrecoAsync(p, "storeCert", path, "8"), "RET_CERT_INVALID", $"{what} in slot 8");
        }

        await AssertNotActivatedAsync(p);
        await AssertSlotEmptyAsync(p, 8);
    }

    [Fact]
    public async Task SecondOwnerCertificateAfterActivationIsRefusedAndTheOriginalStays()
    {
        await using var p = await TestPartition.StartActivatedAsync();
        var other = await OpenSslCertificates.SelfSignedCaAsync(p.Directory, "OTHER");

        (await p.AsCoAsync("storeCert", other, "4")).ShouldFailWith("RET_CERT_ALREADY_STORED");
        (await p.AsCoAsync("storeCert", p.PoCert, "4")).ShouldFailWith("RET_CERT_ALREADY_STORED");

        var stored = Path.Combine(p.Directory, "stored-slot4.pem");
        (await p.AsCoAsync("getCert", stored, "4")).ShouldSucceed();
        Assert.Equal(DerOf(p.PoCert), DerOf(stored));
        var info = (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed();
        Assert.Contains("sha256:" + Convert.ToHexString(SHA256.HashData(DerOf(p.PoCert))), info.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Matches(@"status:\s+Active\b", info.Stdout);
    }

    [Fact]
    public async Task PartitionCertificateBeforeTheOwnerCertificateIsRefusedAsCertNotFound()
    {
        await using var p = await TestPartition.StartAsync();
        var csr = await GetCsrAsync(p);
        var poac = await OpenSslCertificates.SignAsync(p.Directory, csr, p.PoCert, p.PoKey, "POAC.crt");

        (await AsPrecoAsync(p, "storeCert", poac, "8")).ShouldFailWith("RET_CERT_NOT_FOUND");

        await AssertNotActivatedAsync(p);
        await AssertSlotEmptyAsync(p, 4);
        await AssertSlotEmptyAsync(p, 8);
        await AssertStillActivatableAsync(p, csr, ownerStored: false);
    }

    private static Task<CliResult> AsPrecoAsync(TestPartition p, params string[] words) => p.AsUserAsync("PRECO", "admin", PrecoPassword, words);

    private static async Task<string> GetCsrAsync(TestPartition p)
    {
        var csr = Path.Combine(p.Directory, "partition.csr");
        (await AsPrecoAsync(p, "getCertReq", csr)).ShouldSucceed();
        return csr;
    }

    private static async Task AssertNotActivatedAsync(TestPartition p)
    {
        var info = (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed();
        Assert.Matches(@"status:\s+NotActivated\b", info.Stdout);
        (await AsPrecoAsync(p, "changePswd", "PRECO", "admin", TestPartition.CoPassword)).ShouldFailWith("RET_NOT_ACTIVATED");
    }

    private static async Task AssertSlotEmptyAsync(TestPartition p, int slot) =>
        (await AsPrecoAsync(p, "getCert", Path.Combine(p.Directory, $"slot{slot}.pem"), slot.ToString()))
            .ShouldFailWith("RET_CERT_NOT_FOUND");

    private static async Task AssertNoOwnerStoredAsync(TestPartition p)
    {
        var info = (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed();
        Assert.Matches(@"status:\s+NotActivated\b", info.Stdout);
        Assert.Matches(@"PO fingerprint:\s+\(none stored\)", info.Stdout);
        await AssertSlotEmptyAsync(p, 4);
        // The refusal did not use up the slot: the right owner is still accepted.
        (await AsPrecoAsync(p, "storeCert", p.PoCert, "4")).ShouldSucceed();
    }

    /// <summary>The refusals changed nothing: the right certificates still activate the partition.</summary>
    private static async Task AssertStillActivatableAsync(TestPartition p, string csr, bool ownerStored)
    {
        var poac = await OpenSslCertificates.SignAsync(p.Directory, csr, p.PoCert, p.PoKey, "POAC-right.crt");
        string[] owner = ownerStored ? [] : ["storeCert", p.PoCert, "4"];
        (await AsPrecoAsync(p, [.. owner, "storeCert", poac, "8", "changePswd", "PRECO", "admin", TestPartition.CoPassword])).ShouldSucceed();
        p.WriteConfig(bootstrap: false);
        Assert.Matches(@"status:\s+Active\b", (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed().Stdout);
        (await p.AsCoAsync("listUsers")).ShouldSucceed();
    }

    private static byte[] DerOf(string certificatePath)
    {
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(certificatePath);
        return certificate.RawData;
    }

    private static void AssertRefused(CliResult result, string errorName, string what)
    {
        Assert.True(result.ExitCode != 0, $"{what}: expected {errorName} but the command succeeded:\n{result}");
        Assert.True(result.Output.Contains(errorName, StringComparison.Ordinal), $"{what}: expected {errorName}:\n{result}");
        Assert.False(result.Output.Contains("   at ", StringComparison.Ordinal), $"{what}: stack trace in the output:\n{result}");
    }
}
