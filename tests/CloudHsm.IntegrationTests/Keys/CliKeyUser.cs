using System.Security.Cryptography;
using System.Text.Json;
using CloudHsm.Client;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.IntegrationTests.Users;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.IntegrationTests.Keys;

/// <summary>
/// A CU driving the real `cloudhsm key` and `cloudhsm crypto` commands (implicit login from the
/// environment), with a scratch folder of its own for key files and openssl. Setup and checks that
/// are not what a test is about go through <see cref="Api"/>, one login for the whole test, as each
/// CLI run costs a process and a login.
/// </summary>
public sealed class CliKeyUser : IDisposable
{
    public const string Password = "Wonder-Land-2024!";

    private CliKeyUser(TestPartition partition, string name, string directory, HsmClient api)
    {
        Partition = partition;
        Name = name;
        Directory = directory;
        Api = api;
    }

    public TestPartition Partition { get; }
    public string Name { get; }

    /// <summary>The user's scratch folder: relative file names in commands resolve here.</summary>
    public string Directory { get; }

    /// <summary>The same CU through the gRPC API, logged in once.</summary>
    public HsmClient Api { get; }

    /// <summary>Creates the CU (through a CO client), logs it in on the API and makes its scratch folder.</summary>
    public static async Task<CliKeyUser> CreateAsync(TestPartition partition, string name)
    {
        await partition.CreateUsersAsync((UserType.Cu, name, Password));
        var directory = Path.Combine(partition.Directory, name);
        System.IO.Directory.CreateDirectory(directory);
        return new CliKeyUser(partition, name, directory, await partition.LoginAsync(UserType.Cu, name, Password));
    }

    public void Dispose() => Api.Dispose();

    public string PathOf(string file) => Path.Combine(Directory, file);

    public Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(args, env: new Dictionary<string, string?>
    {
        ["CLOUDHSM_CONFIG"] = Partition.ConfigPath,
        ["CLOUDHSM_USER"] = Name,
        ["CLOUDHSM_PASSWORD"] = Password,
    }, workingDirectory: Directory);

    /// <summary>Runs with --json, expects success and returns the parsed output.</summary>
    public async Task<JsonElement> JsonAsync(params string[] args)
    {
        var result = (await RunAsync([.. args, "--json"])).ShouldSucceed();
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }

    public async Task<ulong> HandleAsync(params string[] args) => (await JsonAsync(args)).GetProperty("handle").GetUInt64();

    public async Task<(ulong Private, ulong Public)> PairAsync(params string[] genArgs)
    {
        var pair = await JsonAsync(["key", "gen", .. genArgs]);
        return (pair.GetProperty("private").GetUInt64(), pair.GetProperty("public").GetUInt64());
    }

    /// <summary>A key as the API describes it (owner, KCV, state...).</summary>
    public Task<KeyInfo> InfoAsync(ulong handle) => Api.GetKeyInfoAsync(handle);

    public async Task<ulong> GenerateAesAsync(string label = "") =>
        await Api.GenerateKeyAsync(0x1F, 32, [new Protocol.V1.Attribute { Id = 0x03, Value = ByteString.CopyFromUtf8(label) }]);

    /// <summary>An AES key that a CO then marks TRUSTED through `cloudhsm mgmt setAttribute H 134`.</summary>
    public async Task<ulong> TrustedKekAsync(string label)
    {
        var kek = await GenerateAesAsync(label);
        Assert.Contains("setAttribute success", (await Partition.AsCoAsync("setAttribute", kek.ToString(), "134")).ShouldSucceed().Stdout,
            StringComparison.Ordinal);
        return kek;
    }

    /// <summary>Brings a known secret value in through a TRUSTED KEK with `key import --kek`, so openssl knows the key too.</summary>
    public async Task<ulong> ImportKnownSecretAsync(ulong trustedKek, byte[] value, string label, string type = "aes")
    {
        var file = PathOf($"{label}.bin");
        await File.WriteAllBytesAsync(file, value);
        return await HandleAsync("key", "import", "--file", file, "--kek", trustedKek.ToString(), "--class", "secret", "--type", type, "--label", label);
    }

    public Task OpenSslAsync(params string[] args) => Tool.OpenSslAsync(Directory, args);

    /// <summary>The partition's state and key counts (no login needed).</summary>
    public Task<PartitionInfo> PartitionInfoAsync() => Api.GetPartitionInfoAsync();

    /// <summary>The KCV the partition computes for an AES key: the first three bytes of E(0^16).</summary>
    public static string AesKcv(byte[] key)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        return Convert.ToHexStringLower(aes.EncryptEcb(new byte[16], PaddingMode.None).AsSpan(0, 3));
    }

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
