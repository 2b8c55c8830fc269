using System.Text.Json;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.IntegrationTests.Users;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.IntegrationTests.Keys;

/// <summary>Session keys, masked objects and rotation through `cloudhsm key` against a real node.</summary>
public sealed class KeyLifecycleCliTests(ActivatedPartitionFixture fixture) : IClassFixture<ActivatedPartitionFixture>
{
    private const ulong AesGcm = 0x1087;

    private TestPartition P => fixture.Partition;

    [Fact]
    public async Task ASessionKeyEndsWithItsLogin_AndNeverReachesTheStore()
    {
        using var alice = await CliKeyUser.CreateAsync(P, "life_alice");
        // What a CLI login that changes nothing costs in applied commands, to compare with.
        var before = await alice.PartitionInfoAsync();
        (await alice.RunAsync("key", "list")).ShouldSucceed();
        var afterPlainLogin = await alice.PartitionInfoAsync();

        var made = await alice.JsonAsync("key", "gen", "--type", "aes", "--session", "--label", "ephemeral");
        Assert.Equal("session", made.GetProperty("storage").GetString());
        var handle = made.GetProperty("handle").GetUInt64();
        var afterSessionKey = await alice.PartitionInfoAsync();
        // Making it applied no command beyond those of a login, and no key was counted: nothing of it reached the store.
        Assert.Equal(afterPlainLogin.AppliedCommands - before.AppliedCommands, afterSessionKey.AppliedCommands - afterPlainLogin.AppliedCommands);
        Assert.Equal(before.Keys, afterSessionKey.Keys);
        Assert.Equal(0, afterSessionKey.SessionKeys);

        // The next invocation is a new login: the key is gone, for the CLI as for another open login of the same user.
        (await alice.RunAsync("key", "show", "--handle", handle.ToString())).ShouldFailWith("RET_KEY_NOT_FOUND");
        await UserTestKit.RefusedAsync("RET_KEY_NOT_FOUND", () => alice.InfoAsync(handle));

        // A token key, for contrast, stays and is counted.
        var token = await alice.HandleAsync("key", "gen", "--type", "aes", "--label", "durable");
        Assert.True((await alice.InfoAsync(token)).Token);
        Assert.Equal(before.Keys + 1, (await alice.PartitionInfoAsync()).Keys);
    }

    [Fact]
    public async Task AMaskedObjectComesBackAsTheSameKey_AndATamperedOneIsRefusedChangingNothing()
    {
        using var bob = await CliKeyUser.CreateAsync(P, "life_bob");
        // Masking works for a key that can never be wrapped (EXTRACTABLE = 0).
        var key = await bob.Api.GenerateKeyAsync(0x1F, 32, [
            new Protocol.V1.Attribute { Id = 0x03, Value = ByteString.CopyFromUtf8("masked") },
            new Protocol.V1.Attribute { Id = 0x102, Value = ByteString.CopyFrom(0x0a, 0x0b) },
            new Protocol.V1.Attribute { Id = 0x162, Value = ByteString.CopyFrom(0) }]);
        (await bob.RunAsync("key", "mask", "--handle", key.ToString(), "--out", "key.masked")).ShouldSucceed();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(bob.PathOf("key.masked")));

        var back = await bob.HandleAsync("key", "unmask", "--file", "key.masked");
        Assert.NotEqual(key, back);
        var original = await bob.InfoAsync(key);
        var restored = await bob.InfoAsync(back);
        Assert.Equal((original.Kcv, original.Label, original.Id, original.Owner, original.KeyType, original.ObjectClass),
            (restored.Kcv, restored.Label, restored.Id, restored.Owner, restored.KeyType, restored.ObjectClass));

        var tampered = await File.ReadAllBytesAsync(bob.PathOf("key.masked"));
        tampered[tampered.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(bob.PathOf("tampered.masked"), tampered);
        var keysBefore = (await bob.PartitionInfoAsync()).Keys;
        (await bob.RunAsync("key", "unmask", "--file", "tampered.masked")).ShouldFailWith("RET_MASKED_OBJECT_INVALID");
        Assert.Equal(keysBefore, (await bob.PartitionInfoAsync()).Keys);
    }

    [Fact]
    public async Task ARotatedKeyNoLongerEncryptsButDecryptsWhatItEncrypted_AndListsAsStale()
    {
        using var carol = await CliKeyUser.CreateAsync(P, "life_carol");
        var old = await carol.GenerateAesAsync("rotating");
        var (ciphertext, iv) = await carol.Api.EncryptAsync(old, AesGcm, "encrypted before the rotation"u8.ToArray());
        await File.WriteAllBytesAsync(carol.PathOf("old.bin"), ciphertext);
        await File.WriteAllBytesAsync(carol.PathOf("plain.bin"), "to encrypt after the rotation"u8.ToArray());

        var successor = (await carol.JsonAsync("key", "rotate", "--handle", old.ToString())).GetProperty("successor").GetUInt64();

        (await carol.RunAsync("crypto", "encrypt", "--handle", old.ToString(), "--mechanism", "aes-gcm", "--in", "plain.bin", "--out", "refused.bin"))
            .ShouldFailWith("RET_KEY_RETIRED");
        Assert.False(File.Exists(carol.PathOf("refused.bin")));
        (await carol.RunAsync("crypto", "decrypt", "--handle", old.ToString(), "--mechanism", "aes-gcm", "--in", "old.bin",
            "--iv", Convert.ToHexString(iv), "--out", "decrypted.bin")).ShouldSucceed();
        Assert.Equal("encrypted before the rotation"u8.ToArray(), await File.ReadAllBytesAsync(carol.PathOf("decrypted.bin")));

        var listed = (await carol.JsonAsync("key", "list", "--stale", "0", "--label", "rotating")).GetProperty("keys").EnumerateArray().ToList();
        var retired = Assert.Single(listed, k => k.GetProperty("handle").GetUInt64() == old);
        Assert.Equal(JsonValueKind.String, retired.GetProperty("retired").ValueKind);
        Assert.Equal(successor, retired.GetProperty("successor").GetUInt64());

        // The successor has the label and does the encrypting now.
        var next = await carol.InfoAsync(successor);
        Assert.Equal(("rotating", null), (next.Label, next.RetiredAt));
        Assert.NotEmpty((await carol.Api.EncryptAsync(successor, AesGcm, [1, 2, 3])).Data);
    }
}
