using CloudHsm.Client;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.IntegrationTests.Keys;

/// <summary>Keys through the gRPC API of a real node, and the key commands of the mgmt shell.</summary>
public sealed class KeyApiTests
{
    private const string AlicePassword = "Crypto-User-2024!";
    private const string BobPassword = "Second-User-2024!";

    private static async Task<HsmClientException> RefusedAsync(string errorName, Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<HsmClientException>(action);
        Assert.Equal(errorName, e.ErrorName);
        return e;
    }

    [Fact]
    public async Task CryptoUsersMakeFindShareAndProtectKeys_OfficersMarkThemTrusted()
    {
        await using var p = await TestPartition.StartActivatedAsync("--max-keys", "3");
        (await p.AsCoAsync("createUser", "CU", "alice", AlicePassword, "createUser", "CU", "bob", BobPassword)).ShouldSucceed();
        using var alice = new HsmClient(ClientConfig.Load(p.ConfigPath));
        await alice.LoginAsync(UserType.Cu, "alice", AlicePassword);
        using var bob = new HsmClient(ClientConfig.Load(p.ConfigPath));
        await bob.LoginAsync(UserType.Cu, "bob", BobPassword);

        var label = new Protocol.V1.Attribute { Id = 0x03, Value = ByteString.CopyFromUtf8("payments") };
        var aes = await alice.GenerateKeyAsync(0x1F, 32, [label]);
        var (ecPrivate, ecPublic) = await alice.GenerateKeyPairAsync(0x03, "1.2.840.10045.3.1.7");

        var found = Assert.Single(await alice.FindKeysAsync(new FindKeysRequest { Label = "payments" }));
        Assert.Equal((aes, "alice", 3), (found.Handle, found.Owner, found.Kcv.Length));
        Assert.Equal(3, (await alice.FindKeysAsync(new FindKeysRequest())).Count);

        // Capacity: three handles used of three (the pair counts two).
        await RefusedAsync("RET_OBJECT_LIMIT_REACHED", () => alice.GenerateKeyAsync(0x1F, 16));
        Assert.Contains("key handles:       3 of 3", (await p.MgmtAsync("getPartitionInfo")).ShouldSucceed().Stdout, StringComparison.Ordinal);

        // Sharing: bob sees nothing until alice shares, then may use but not delete.
        Assert.Empty(await bob.FindKeysAsync(new FindKeysRequest()));
        (await p.AsUserAsync("CU", "alice", AlicePassword, "shareKey", aes.ToString(), "3", "1")).ShouldSucceed();
        Assert.Equal(aes, Assert.Single(await bob.FindKeysAsync(new FindKeysRequest())).Handle);
        await RefusedAsync("RET_OPERATION_NOT_PERMITTED", () => bob.DeleteKeyAsync(aes));
        await RefusedAsync("RET_KEY_NOT_FOUND", () => bob.DeleteKeyAsync(ecPrivate));

        // The officer sees who owns what, and alone marks a key TRUSTED.
        var owned = (await p.AsCoAsync("findAllKeys", "2", "0")).ShouldSucceed().Stdout;
        Assert.Contains("Number of keys found 3", owned, StringComparison.Ordinal);
        var shared = (await p.AsCoAsync("findAllKeys", "3", "1")).ShouldSucceed().Stdout;
        Assert.Contains(aes.ToString(), shared, StringComparison.Ordinal);
        (await p.AsUserAsync("CU", "alice", AlicePassword, "setAttribute", aes.ToString(), "134")).ShouldFailWith("RET_OPERATION_NOT_PERMITTED");
        Assert.Equal([0], await alice.GetAttributeAsync(aes, 0x86));
        (await p.AsCoAsync("setAttribute", aes.ToString(), "134")).ShouldSucceed();
        Assert.Equal([1], await alice.GetAttributeAsync(aes, 0x86));

        // Secrets stay inside; a user who owns keys stays; the public point is readable.
        await RefusedAsync("RET_ATTRIBUTE_SENSITIVE", () => alice.GetAttributeAsync(aes, 0x11));
        Assert.NotEmpty(await alice.GetAttributeAsync(ecPublic, 0x181));
        await alice.DeleteKeyAsync(aes);
        Assert.Equal(2, (await alice.FindKeysAsync(new FindKeysRequest())).Count);
        await alice.LogoutAsync();
        (await p.AsCoAsync("deleteUser", "CU", "alice")).ShouldFailWith("RET_USER_OWNS_KEYS");
    }
}
