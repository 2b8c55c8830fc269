using System.Security.Cryptography;
using System.Text.Json;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// PyKCS11 (Debian's python3-pykcs11, under the system /usr/bin/python3) runs
/// ClientFiles/pykcs11_client.py against the module; its signatures are checked again here with .NET.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class PyKcs11Tests(ModuleFixture module)
{
    private Task<CliResult> ScriptAsync(string command) =>
        ClientProgram.RunAsync(module, "/usr/bin/python3", module.Partition.Directory,
            [ClientProgram.File("pykcs11_client.py"), ModuleFixture.LibraryPath, command],
            new Dictionary<string, string> { ["CLOUDHSM_PIN"] = module.UserPin });

    [Fact]
    public async Task GeneratesKeysSignsAndEncrypts()
    {
        var run = (await ScriptAsync("sign")).ShouldSucceed();
        foreach (var step in new[] { "login", "generate-ec", "sign-ecdsa", "verify-ecdsa", "verify-ecdsa-tampered", "generate-rsa", "sign-rsa",
            "verify-rsa", "generate-aes", "encrypt-aes", "decrypt-aes" })
        {
            Assert.Contains($"ok {step}\n", run.Stdout);
        }
        Assert.EndsWith("done\n", run.Stdout);

        // The signatures, checked by an implementation that is not the module's.
        var resultLine = run.Stdout.Split('\n').Single(l => l.StartsWith("result ", StringComparison.Ordinal));
        using var result = JsonDocument.Parse(resultLine["result ".Length..]);
        byte[] Hex(string name) => Convert.FromHexString(result.RootElement.GetProperty(name).GetString()!);
        var data = Hex("data");

        var point = Hex("ecPoint"); // DER OCTET STRING (04 41) around the uncompressed point 04 || X || Y
        Assert.Equal([0x04, 0x41, 0x04], point[..3]);
        using var ec = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[3..35], Y = point[35..67] },
        });
        var ecSignature = Hex("ecSignature");
        Assert.True(ec.VerifyData(data, ecSignature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.False(ec.VerifyData((byte[])[.. data, 0], ecSignature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

        using var rsa = RSA.Create(new RSAParameters { Modulus = Hex("rsaModulus"), Exponent = [0x01, 0x00, 0x01] });
        Assert.Equal(2048, rsa.KeySize);
        Assert.True(rsa.VerifyData(data, Hex("rsaSignature"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task WrapsAndUnwrapsAKey()
    {
        var run = await ScriptAsync("wrap");
        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var step in new[] { "generate-kek", "generate-key", "wrap", "wrapped-length", "unwrap", "encrypt-original", "decrypt-unwrapped", "unwrap-tampered" })
        {
            Assert.Contains($"ok {step}\n", run.Stdout);
        }
    }
}
