using System.Formats.Asn1;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CloudHsm.IntegrationTests.Harness;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// One activated node with two crypto users, and libcloudhsm_pkcs11.so loaded once through
/// Pkcs11Interop with CLOUDHSM_CONFIG pointing at the partition's client.json. Login state belongs
/// to the loaded library (the application), so the tests that use it run one after another.
/// </summary>
public sealed partial class ModuleFixture : IAsyncLifetime
{
    public const string User = "alice";
    public const string Password = "Wonder-Land-2024!";
    public const string LockoutUser = "bob";

    public string UserPin => $"{User}:{Password}";
    public TestPartition Partition { get; private set; } = null!;

    /// <summary>The module's log file (debug level), written by every test through the module and pkcs11-tool.</summary>
    public string LogPath => Path.Combine(Partition.Directory, "pkcs11.log");

    /// <summary>How long the module retries a call that is safe to retry while no node answers (the client.json "pkcs11" section).</summary>
    public const int RetrySeconds = 30;
    public Pkcs11InteropFactories Factories { get; } = new();
    public IPkcs11Library Library { get; private set; } = null!;
    public ISlot Slot { get; private set; } = null!;

    public static string LibraryPath
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("CLOUDHSM_PKCS11_LIBRARY");
            if (!string.IsNullOrEmpty(configured)) return configured;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CloudHsm.slnx")))
                {
                    var path = Path.Combine(dir.FullName, "artifacts", "pkcs11", "libcloudhsm_pkcs11.so");
                    if (File.Exists(path)) return path;
                    throw new FileNotFoundException($"{path} is missing: ./build.sh test publishes it (dotnet publish src/CloudHsm.Pkcs11 -r linux-x64 -c Release -o artifacts/pkcs11).");
                }
            }
            throw new FileNotFoundException("No CloudHsm.slnx above the test folder; set CLOUDHSM_PKCS11_LIBRARY.");
        }
    }

    static ModuleFixture()
    {
        // Pkcs11Interop asks for "libdl"; glibc ships it as libdl.so.2 (the unversioned name is a dev package's).
        NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly,
            (name, _, _) => name == "libdl" ? NativeLibrary.Load("libdl.so.2") : IntPtr.Zero);
    }

    public async Task InitializeAsync()
    {
        var library = LibraryPath;
        Partition = await TestPartition.StartActivatedAsync();
        (await Partition.AsCoAsync("createUser", "CU", User, Password, "createUser", "CU", LockoutUser, Password)).ShouldSucceed();
        Partition.ExtraConfig["pkcs11"] = new Dictionary<string, object> { ["logFile"] = LogPath, ["logLevel"] = "debug", ["retrySeconds"] = RetrySeconds };
        Partition.WriteConfig(bootstrap: false);
        // The module is native code with its own runtime: it reads the C environment, not .NET's copy.
        Assert.Equal(0, SetEnv("CLOUDHSM_CONFIG", Partition.ConfigPath, 1));
        Library = Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, library, AppType.MultiThreaded);
        Slot = Library.GetSlotList(SlotsType.WithTokenPresent).Single();
    }

    public async Task DisposeAsync()
    {
        Library?.Dispose();
        if (Partition is not null) await Partition.DisposeAsync();
    }

    /// <summary>A read/write session logged in as the CU; disposing it closes it (the last one logs out).</summary>
    public ISession UserSession(SessionType type = SessionType.ReadWrite)
    {
        var session = Slot.OpenSession(type);
        session.Login(CKU.CKU_USER, UserPin);
        return session;
    }

    public IObjectAttribute Attribute(CKA type, object value) => value switch
    {
        bool b => Factories.ObjectAttributeFactory.Create(type, b),
        string s => Factories.ObjectAttributeFactory.Create(type, s),
        byte[] bytes => Factories.ObjectAttributeFactory.Create(type, bytes),
        CKO o => Factories.ObjectAttributeFactory.Create(type, o),
        CKK k => Factories.ObjectAttributeFactory.Create(type, k),
        int i => Factories.ObjectAttributeFactory.Create(type, (ulong)i),
        ulong u => Factories.ObjectAttributeFactory.Create(type, u),
        _ => throw new ArgumentException($"No attribute of {value.GetType()}", nameof(value)),
    };

    public IMechanism Mechanism(CKM type) => Factories.MechanismFactory.Create(type);

    /// <summary>A P-256 token key pair (sign / verify) made through the module.</summary>
    public (IObjectHandle Public, IObjectHandle Private) TokenEcPair(ISession session, string label)
    {
        var curve = new AsnWriter(AsnEncodingRules.DER);
        curve.WriteObjectIdentifier("1.2.840.10045.3.1.7");
        session.GenerateKeyPair(Mechanism(CKM.CKM_EC_KEY_PAIR_GEN),
            [Attribute(CKA.CKA_EC_PARAMS, curve.Encode()), Attribute(CKA.CKA_VERIFY, true),
             Attribute(CKA.CKA_LABEL, label), Attribute(CKA.CKA_TOKEN, true)],
            [Attribute(CKA.CKA_SIGN, true), Attribute(CKA.CKA_LABEL, label), Attribute(CKA.CKA_TOKEN, true)],
            out var publicKey, out var privateKey);
        return (publicKey, privateKey);
    }

    /// <summary>The P-256 public key as .NET's ECDsa, from its CKA_EC_POINT, to check the module's signatures.</summary>
    public static ECDsa EcVerifier(ISession session, IObjectHandle publicKey)
    {
        var point = new AsnReader(session.GetAttributeValue(publicKey, [CKA.CKA_EC_POINT])[0].GetValueAsByteArray(), AsnEncodingRules.DER).ReadOctetString();
        return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = point[1..33], Y = point[33..] } });
    }

    /// <summary>A loopback endpoint nobody listens on (connections to it are refused at once).</summary>
    public static string DeadEndpoint() => $"127.0.0.1:{NodeProcess.FreePort()}";

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}

[CollectionDefinition(Name)]
public sealed class ModuleCollection : ICollectionFixture<ModuleFixture>
{
    public const string Name = "pkcs11 module";
}
