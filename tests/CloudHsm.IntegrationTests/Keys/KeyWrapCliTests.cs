using System.Security.Cryptography;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.IntegrationTests.Users;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.IntegrationTests.Keys;

/// <summary>
/// `cloudhsm key wrap|unwrap|import` against a real node: AES key wrap (RFC 3394) and with padding
/// (RFC 5649) interoperate with the openssl command line both ways, RSA-OAEP wraps round trip, and
/// the wrap rules refuse through the CLI without writing anything.
/// </summary>
public sealed class KeyWrapCliTests(ActivatedPartitionFixture fixture) : IClassFixture<ActivatedPartitionFixture>
{
    // openssl 3 wants the RFC 3394 / RFC 5649 initial values spelled out.
    private const string KwIv = "A6A6A6A6A6A6A6A6";
    private const string KwpIv = "A65959A6";

    private const ulong SecretKey = 4, Aes = 0x1F;

    private TestPartition P => fixture.Partition;

    private static Protocol.V1.Attribute Flag(ulong id, bool value) => new() { Id = id, Value = ByteString.CopyFrom([value ? (byte)1 : (byte)0]) };

    [Fact]
    public async Task AesKeyWrapAndWrapPad_InteroperateWithOpensslBothWays()
    {
        using var alice = await CliKeyUser.CreateAsync(P, "wrap_alice");
        var trusted = await alice.TrustedKekAsync("user-kek");
        // A wrapping key openssl knows too: its value comes in through the TRUSTED KEK (`key import --kek`).
        var kekValue = RandomNumberGenerator.GetBytes(32);
        var kek = await alice.ImportKnownSecretAsync(trusted, kekValue, "openssl-kek");
        Assert.Equal(CliKeyUser.AesKcv(kekValue), CliKeyUser.Hex((await alice.InfoAsync(kek)).Kcv.ToByteArray()));
        var targetValue = RandomNumberGenerator.GetBytes(32);
        var target = await alice.Api.ImportKeyAsync(trusted, targetValue, SecretKey, Aes);

        // HSM wraps, openssl unwraps: the bytes are the known key.
        foreach (var (mechanism, cipher, iv) in new[] { ("aes-kw", "-id-aes256-wrap", KwIv), ("aes-kwp", "-id-aes256-wrap-pad", KwpIv) })
        {
            (await alice.RunAsync("key", "wrap", "--handle", target.ToString(), "--wrapping-key", kek.ToString(),
                "--mechanism", mechanism, "--out", $"{mechanism}.wrapped")).ShouldSucceed();
            await alice.OpenSslAsync("enc", "-d", cipher, "-K", CliKeyUser.Hex(kekValue), "-iv", iv,
                "-in", $"{mechanism}.wrapped", "-out", $"{mechanism}.unwrapped");
            Assert.Equal(targetValue, await File.ReadAllBytesAsync(alice.PathOf($"{mechanism}.unwrapped")));
        }

        // openssl wraps an AES key (RFC 3394), the HSM unwraps it: same KCV, and the same ciphertext as openssl's.
        var outsideAes = RandomNumberGenerator.GetBytes(32);
        await File.WriteAllBytesAsync(alice.PathOf("outside-aes.bin"), outsideAes);
        await alice.OpenSslAsync("enc", "-e", "-id-aes256-wrap", "-K", CliKeyUser.Hex(kekValue), "-iv", KwIv, "-in", "outside-aes.bin", "-out", "outside-aes.kw");
        var unwrappedAes = await alice.HandleAsync("key", "unwrap", "--file", "outside-aes.kw", "--unwrapping-key", kek.ToString(),
            "--mechanism", "aes-kw", "--class", "secret", "--type", "aes", "--label", "from-openssl");
        Assert.Equal(CliKeyUser.AesKcv(outsideAes), CliKeyUser.Hex((await alice.InfoAsync(unwrappedAes)).Kcv.ToByteArray()));
        var plain = "the same data under the same key, twice"u8.ToArray();
        await File.WriteAllBytesAsync(alice.PathOf("plain.bin"), plain);
        const string cbcIv = "000102030405060708090a0b0c0d0e0f";
        var (hsmCbc, _) = await alice.Api.EncryptAsync(unwrappedAes, 0x1085, plain, new CipherParameters { Iv = ByteString.CopyFrom(Convert.FromHexString(cbcIv)) });
        await alice.OpenSslAsync("enc", "-aes-256-cbc", "-K", CliKeyUser.Hex(outsideAes), "-iv", cbcIv, "-in", "plain.bin", "-out", "openssl.cbc");
        Assert.Equal(await File.ReadAllBytesAsync(alice.PathOf("openssl.cbc")), hsmCbc);

        // openssl wraps with padding (RFC 5649) a 21-byte HMAC key, which only the padded form carries; the HSM's HMAC is the same.
        var outsideHmac = RandomNumberGenerator.GetBytes(21);
        await File.WriteAllBytesAsync(alice.PathOf("outside-hmac.bin"), outsideHmac);
        await alice.OpenSslAsync("enc", "-e", "-id-aes256-wrap-pad", "-K", CliKeyUser.Hex(kekValue), "-iv", KwpIv, "-in", "outside-hmac.bin", "-out", "outside-hmac.kwp");
        var unwrappedHmac = await alice.HandleAsync("key", "unwrap", "--file", "outside-hmac.kwp", "--unwrapping-key", kek.ToString(),
            "--mechanism", "aes-kwp", "--class", "secret", "--type", "generic");
        Assert.Equal(HMACSHA256.HashData(outsideHmac, plain), await alice.Api.SignAsync(unwrappedHmac, 0x251, plain));
    }

    [Fact]
    public async Task RsaOaepWrapOfAnAesKey_UnwrapsWithThePrivateKeyToTheSameKey()
    {
        using var bob = await CliKeyUser.CreateAsync(P, "wrap_bob");
        var (rsaPrivate, rsaPublic) = await bob.Api.GenerateKeyPairAsync(0x00, "2048");
        var aes = await bob.GenerateAesAsync("payload");

        (await bob.RunAsync("key", "wrap", "--handle", aes.ToString(), "--wrapping-key", rsaPublic.ToString(), "--mechanism", "rsa-oaep",
            "--oaep-hash", "sha256", "--out", "aes.oaep")).ShouldSucceed();
        Assert.Equal(256, new FileInfo(bob.PathOf("aes.oaep")).Length);
        // The wrong OAEP hash (the default, SHA-1) does not open it; SHA-256 does.
        (await bob.RunAsync("key", "unwrap", "--file", "aes.oaep", "--unwrapping-key", rsaPrivate.ToString(), "--mechanism", "rsa-oaep",
            "--class", "secret")).ShouldFailWith("RET_WRAPPED_KEY_INVALID");
        var copy = await bob.HandleAsync("key", "unwrap", "--file", "aes.oaep", "--unwrapping-key", rsaPrivate.ToString(), "--mechanism", "rsa-oaep",
            "--oaep-hash", "sha256", "--class", "secret", "--label", "payload-copy");

        Assert.Equal((await bob.InfoAsync(aes)).Kcv, (await bob.InfoAsync(copy)).Kcv);
        // What one encrypts the other decrypts.
        var (ciphertext, iv) = await bob.Api.EncryptAsync(aes, 0x1087, "wrapped by RSA-OAEP"u8.ToArray());
        Assert.Equal("wrapped by RSA-OAEP"u8.ToArray(), await bob.Api.DecryptAsync(copy, 0x1087, ciphertext, new CipherParameters { Iv = ByteString.CopyFrom(iv) }));
    }

    [Fact]
    public async Task WrapRefusals_NonExtractableAndUntrustedWrappingKey_WriteNothing()
    {
        using var carol = await CliKeyUser.CreateAsync(P, "wrap_carol");
        var wrapping = await carol.GenerateAesAsync("untrusted-kek");
        var sealedIn = await carol.Api.GenerateKeyAsync(Aes, 32, [Flag(0x162, false)]);  // EXTRACTABLE = 0
        var guarded = await carol.Api.GenerateKeyAsync(Aes, 32, [Flag(0x210, true)]);    // WRAP_WITH_TRUSTED = 1

        (await carol.RunAsync("key", "wrap", "--handle", sealedIn.ToString(), "--wrapping-key", wrapping.ToString(), "--mechanism", "aes-kwp",
            "--out", "sealed.wrapped")).ShouldFailWith("RET_KEY_UNEXTRACTABLE");
        Assert.False(File.Exists(carol.PathOf("sealed.wrapped")));

        (await carol.RunAsync("key", "wrap", "--handle", guarded.ToString(), "--wrapping-key", wrapping.ToString(), "--mechanism", "aes-kw",
            "--out", "guarded.wrapped")).ShouldFailWith("RET_WRAPPING_KEY_NOT_TRUSTED");
        Assert.False(File.Exists(carol.PathOf("guarded.wrapped")));

        // The same wrap passes with a wrapping key a CO marked TRUSTED: the refusal was about trust.
        var trusted = await carol.TrustedKekAsync("trusted-kek");
        (await carol.RunAsync("key", "wrap", "--handle", guarded.ToString(), "--wrapping-key", trusted.ToString(), "--mechanism", "aes-kw",
            "--out", "guarded.wrapped")).ShouldSucceed();
        Assert.Equal(40, new FileInfo(carol.PathOf("guarded.wrapped")).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(carol.PathOf("guarded.wrapped")));
    }
}
