using System.Text;
using CloudHsm.Core.Owner;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Users;
using CloudHsm.Storage.Tests.Support;

namespace CloudHsm.Storage.Tests;

/// <summary>
/// Reads every byte of a real node's data directory (database, WAL, keys) after real user commands and
/// looks for what must never be there in the clear.
/// </summary>
public sealed class DataAtRestTests : IDisposable
{
    private const string Officer = "admin";
    private const string OfficerPassword = "Zq8-Officer-Vx7w";
    private const string UserName = "zaphod.beeblebrox";
    private const string UserPassword = "Pz4-Crypto-Kq9m!";

    private readonly TempDataDirectory _data = new();

    [Fact]
    public async Task DataDirectory_HoldsNoPasswordAndNoIdentityKey()
    {
        var (identityKey, readFiles) = await WriteRealPartitionAsync();

        var needles = new Dictionary<string, byte[]>
        {
            ["officer password (UTF-8)"] = Encoding.UTF8.GetBytes(OfficerPassword),
            ["officer password (UTF-16)"] = Encoding.Unicode.GetBytes(OfficerPassword),
            ["user password (UTF-8)"] = Encoding.UTF8.GetBytes(UserPassword),
            ["user password (UTF-16)"] = Encoding.Unicode.GetBytes(UserPassword),
            ["identity key (PKCS#8)"] = identityKey,
            ["identity key (PKCS#8, base64 as JSON writes it)"] = Encoding.ASCII.GetBytes(Convert.ToBase64String(identityKey)),
        };
        AssertNoneFound(readFiles, needles);
    }

    [Fact]
    public async Task DataDirectory_HoldsNoUserName()
    {
        var (_, readFiles) = await WriteRealPartitionAsync();

        AssertNoneFound(readFiles, new Dictionary<string, byte[]>
        {
            ["user name (UTF-8)"] = Encoding.UTF8.GetBytes(UserName),
            ["user name (UTF-16)"] = Encoding.Unicode.GetBytes(UserName),
        });
    }

    [Fact]
    public void Search_FindsANeedleThatIsThere()
    {
        var haystack = new Dictionary<string, byte[]> { ["file"] = [.. "xx"u8, .. Encoding.UTF8.GetBytes(UserPassword), .. "yy"u8] };

        Assert.Throws<Xunit.Sdk.FailException>(() =>
            AssertNoneFound(haystack, new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes(UserPassword) }));
    }

    public void Dispose() => _data.Dispose();

    /// <summary>
    /// Activates a partition through the real service, log and store, creates a CU and logs it in. Returns
    /// the identity private key and every file's bytes, read once while the store is open (WAL in use) and
    /// once after it is closed.
    /// </summary>
    private async Task<(byte[] IdentityKey, Dictionary<string, byte[]> Files)> WriteRealPartitionAsync()
    {
        var masterKey = NodeMasterKey.Open(_data.Path, new UnsealSource.KeyFile(), create: true);
        using var keys = NodeKeyring.Open(_data.Path, masterKey, create: true);
        var store = SqlitePartitionStore.Open(_data.Path, keys);
        var clock = TimeProvider.System;
        var service = new PartitionService(store, new LocalCommandLog(store), keys, new SessionRegistry(new SessionLimits(), clock), clock);

        await service.InitializeAsync(PartitionPolicy.Default);
        var (_, preco) = await service.LoginAsync(UserType.PRECO, Officer, PartitionService.PrecoDefaultPassword.AsMemory(), "tests");
        var owner = OwnerTools.CreateOwner("CN=Owner", 30);
        await service.StoreCertificateAsync(preco, CertificateSlots.Owner, Encoding.ASCII.GetBytes(owner.CertificatePem));
        var csr = Encoding.ASCII.GetBytes(service.GetCertificateRequest(preco));
        var poac = OwnerTools.SignPartitionRequest(csr, owner.CertificatePem, owner.PrivateKeyPem, 30);
        await service.StoreCertificateAsync(preco, CertificateSlots.PartitionOwnerAuthorized, Encoding.ASCII.GetBytes(poac));
        await service.ChangePasswordAsync(preco, UserType.PRECO, Officer, OfficerPassword.AsMemory());
        var (_, officer) = await service.LoginAsync(UserType.CO, Officer, OfficerPassword.AsMemory(), "tests");
        await service.CreateUserAsync(officer, UserType.CU, UserName, UserPassword.AsMemory());
        await service.LoginAsync(UserType.CU, UserName, UserPassword.AsMemory(), "tests");
        Assert.Equal(PartitionStatus.Active, store.Partition!.Status);
        var identityKey = keys.Secrets.Unseal(store.Partition.SealedIdentityKey, SealPurpose.IdentityKey);

        var files = ReadAllFiles("open");
        Assert.Contains(files.Keys, name => name.StartsWith(SqlitePartitionStore.FileName + "-wal", StringComparison.Ordinal));
        store.Dispose();
        foreach (var (name, bytes) in ReadAllFiles("closed")) files[name] = bytes;
        return (identityKey, files);
    }

    private Dictionary<string, byte[]> ReadAllFiles(string when) =>
        Directory.EnumerateFiles(_data.Path, "*", SearchOption.AllDirectories)
            .ToDictionary(path => $"{Path.GetFileName(path)} ({when})", File.ReadAllBytes);

    private static void AssertNoneFound(Dictionary<string, byte[]> files, Dictionary<string, byte[]> needles)
    {
        Assert.NotEmpty(files);
        var found = (from file in files
                     from needle in needles
                     where file.Value.AsSpan().IndexOf(needle.Value) >= 0
                     select $"{needle.Key} in {file.Key}").ToList();
        if (found.Count > 0) Assert.Fail("Found in the clear: " + string.Join("; ", found));
    }
}
