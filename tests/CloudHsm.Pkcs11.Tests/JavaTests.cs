using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// Java 17's SunPKCS11 provider over the module (ClientFiles/java-pkcs11.cfg): keytool lists the
/// token and makes a key pair with its certificate in it; jarsigner signs a jar with that key and
/// verifies it.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class JavaTests(ModuleFixture module)
{
    [Fact]
    public async Task KeytoolListsTheToken()
    {
        var java = await JavaAsync("list");
        var listed = (await java.KeytoolAsync("-list")).ShouldSucceed();
        Assert.Contains("Keystore type: PKCS11", listed.Stdout);
        Assert.Contains("Keystore provider: SunPKCS11-CloudHSM", listed.Stdout);

        // A user that does not exist: the CU's failed-login count is left alone.
        var wrongPin = await java.KeytoolAsync("-v", "-list", "-storepass", "mallory:not-a-password-2024");
        Assert.NotEqual(0, wrongPin.ExitCode);
        Assert.Contains("CKR_PIN_INCORRECT", wrongPin.Output);
    }

    [Fact]
    public async Task KeytoolMakesAKeyAndJarsignerSignsAJarWithIt()
    {
        var java = await JavaAsync("jar");
        var alias = "jar-" + Guid.NewGuid().ToString("N")[..8];
        (await java.KeytoolAsync("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1",
            "-sigalg", "SHA256withECDSA", "-dname", "CN=CloudHSM jar signer", "-validity", "2")).ShouldSucceed();
        var entry = (await java.KeytoolAsync("-list", "-alias", alias)).ShouldSucceed();
        Assert.Contains("PrivateKeyEntry", entry.Stdout);

        var jar = Path.Combine(java.Directory, "app.jar");
        var signed = Path.Combine(java.Directory, "app-signed.jar");
        (await Tool.RunAsync("jar", java.Directory, "--create", "--file", jar, "-C", Path.GetDirectoryName(ClientProgram.File("jar/hello.txt"))!, "hello.txt")).ShouldSucceed();
        Assert.Contains("jar is unsigned", (await java.RunAsync("jarsigner", "-verify", jar)).Stdout);

        var signing = (await java.RunAsync("jarsigner", java.StoreArgs(["-signedjar", signed, jar, alias]))).ShouldSucceed();
        Assert.Contains("jar signed.", signing.Stdout);

        var verified = (await java.RunAsync("jarsigner", "-verify", "-verbose", "-certs", signed)).ShouldSucceed();
        Assert.Contains("jar verified.", verified.Stdout);
        Assert.Contains("CN=CloudHSM jar signer", verified.Stdout);
    }

    private async Task<JavaClient> JavaAsync(string name)
    {
        var directory = Path.Combine(module.Partition.Directory, "java-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "java-pkcs11.cfg");
        var template = await File.ReadAllTextAsync(ClientProgram.File("java-pkcs11.cfg"));
        await File.WriteAllTextAsync(config, template.Replace("@MODULE@", ModuleFixture.LibraryPath, StringComparison.Ordinal));
        return new JavaClient(module, directory, config);
    }

    private sealed class JavaClient(ModuleFixture module, string directory, string config)
    {
        public string Directory => directory;

        /// <summary>The keystore options of keytool and jarsigner: the token through SunPKCS11, the CU's PIN as the store password.</summary>
        public string[] StoreArgs(string[] args, string? storePass = null) =>
        [
            "-keystore", "NONE", "-storetype", "PKCS11", "-providerClass", "sun.security.pkcs11.SunPKCS11", "-providerArg", config,
            "-storepass", storePass ?? module.UserPin, .. args,
        ];

        public Task<CliResult> KeytoolAsync(params string[] args)
        {
            var pass = Array.IndexOf(args, "-storepass");
            return pass < 0
                ? RunAsync("keytool", StoreArgs(args))
                : RunAsync("keytool", StoreArgs([.. args[..pass], .. args[(pass + 2)..]], args[pass + 1]));
        }

        public Task<CliResult> RunAsync(string program, params string[] args) =>
            ClientProgram.RunAsync(module, program, directory, args, timeoutSeconds: 180);
    }
}
