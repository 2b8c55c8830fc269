using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Keys;

/// <summary>Operations with keys: usage flags, visibility, approval, and results that check out.</summary>
public sealed class CryptoServiceTests
{
    private static Task<KeyWorld> WorldAsync(PartitionPolicy? policy = null) => KeyWorld.CreateAsync(policy);

    private static HsmError Refusal(Action action) => Assert.Throws<HsmException>(action).Error;

    [Fact]
    public async Task AesGcm_RoundTrips_AndRefusesAlteredCiphertext()
    {
        using var w = await WorldAsync();
        var key = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        var parameters = new CipherParameters { AssociatedData = "header"u8.ToArray() };

        var sealedData = w.Crypto.Encrypt(w.Alice, key, MechanismId.AesGcm, parameters, "secret payload"u8);
        Assert.Equal("secret payload"u8.ToArray(), w.Crypto.Decrypt(w.Alice, key, MechanismId.AesGcm, parameters with { Iv = sealedData.Iv }, sealedData.Output));

        sealedData.Output[0] ^= 1;
        Assert.Equal(HsmError.RET_ENCRYPTED_DATA_INVALID, Refusal(() =>
            w.Crypto.Decrypt(w.Alice, key, MechanismId.AesGcm, parameters with { Iv = sealedData.Iv }, sealedData.Output)));
    }

    [Fact]
    public async Task EachOperation_ChecksItsUsageFlag()
    {
        using var w = await WorldAsync();
        var wrapOnly = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Wrap, true));
        var (deriveOnly, _) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Ec, "1.2.840.10045.3.1.7",
            AttributeSet.Empty.With(AttributeId.Derive, true), AttributeSet.Empty);

        Assert.Equal(HsmError.RET_KEY_FUNCTION_NOT_PERMITTED, Refusal(() => w.Crypto.Encrypt(w.Alice, wrapOnly, MechanismId.AesGcm, CipherParameters.None, "x"u8)));
        Assert.Equal(HsmError.RET_KEY_FUNCTION_NOT_PERMITTED, Refusal(() => w.Crypto.Sign(w.Alice, deriveOnly, MechanismId.EcdsaSha256, "x"u8)));
    }

    [Fact]
    public async Task OnlyTheOwnerAndSharedUsers_UseAKey()
    {
        using var w = await WorldAsync();
        var (privateKey, publicKey) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Ec, "1.2.840.10045.3.1.7", AttributeSet.Empty, AttributeSet.Empty);

        Assert.Equal(HsmError.RET_KEY_NOT_FOUND, Refusal(() => w.Crypto.Sign(w.Bob, privateKey, MechanismId.EcdsaSha256, "x"u8)));
        await w.Keys.ShareAsync(w.Alice, privateKey, "bob", true);
        var signature = w.Crypto.Sign(w.Bob, privateKey, MechanismId.EcdsaSha256, "message"u8);

        Assert.True(w.Crypto.Verify(w.Alice, publicKey, MechanismId.EcdsaSha256, "message"u8, signature));
        Assert.False(w.Crypto.Verify(w.Alice, publicKey, MechanismId.EcdsaSha256, "massage"u8, signature));
    }

    [Fact]
    public async Task NonApprovedMechanisms_NeedTheNonFipsSwitch()
    {
        using (var strict = await WorldAsync())
        {
            var (privateKey, _) = await strict.Keys.GenerateKeyPairAsync(strict.Alice, KeyType.Rsa, "2048", AttributeSet.Empty, AttributeSet.Empty);
            Assert.Equal(HsmError.RET_MECHANISM_INVALID, Refusal(() => strict.Crypto.Sign(strict.Alice, privateKey, MechanismId.Sha1RsaPkcs, "x"u8)));
            Assert.NotEmpty(strict.Crypto.Sign(strict.Alice, privateKey, MechanismId.Sha256RsaPkcs, "x"u8));
            // CKM_RSA_PKCS names its hash in the input: a SHA-1 DigestInfo is refused, a SHA-256 one signed.
            Assert.Equal(HsmError.RET_MECHANISM_INVALID, Refusal(() => strict.Crypto.Sign(strict.Alice, privateKey, MechanismId.RsaPkcs, Sha1DigestInfo)));
            Assert.NotEmpty(strict.Crypto.Sign(strict.Alice, privateKey, MechanismId.RsaPkcs, Sha256DigestInfo));
        }
        using var lenient = await WorldAsync(new PartitionPolicy { AllowNonApprovedMechanisms = true });
        var (legacyKey, _) = await lenient.Keys.GenerateKeyPairAsync(lenient.Alice, KeyType.Rsa, "2048", AttributeSet.Empty, AttributeSet.Empty);
        Assert.NotEmpty(lenient.Crypto.Sign(lenient.Alice, legacyKey, MechanismId.Sha1RsaPkcs, "x"u8));
        Assert.NotEmpty(lenient.Crypto.Sign(lenient.Alice, legacyKey, MechanismId.RsaPkcs, Sha1DigestInfo));
    }

    [Fact]
    public async Task WrongKeyClassOrMechanism_IsRefusedByName()
    {
        using var w = await WorldAsync();
        var hmac = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.GenericSecret, 32, AttributeSet.Empty);
        var (_, publicKey) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Ec, "1.2.840.10045.3.1.7", AttributeSet.Empty, AttributeSet.Empty);

        var mac = w.Crypto.Sign(w.Alice, hmac, MechanismId.Sha256Hmac, "data"u8);
        Assert.True(w.Crypto.Verify(w.Alice, hmac, MechanismId.Sha256Hmac, "data"u8, mac));
        Assert.Equal(HsmError.RET_KEY_TYPE_INCONSISTENT, Refusal(() => w.Crypto.Sign(w.Alice, publicKey, MechanismId.EcdsaSha256, "x"u8)));
        Assert.Equal(HsmError.RET_MECHANISM_INVALID, Refusal(() => w.Crypto.Sign(w.Alice, hmac, (MechanismId)0x7777, "x"u8)));
    }

    private static byte[] Sha1DigestInfo => [.. Convert.FromHexString("3021300906052b0e03021a05000414"), .. System.Security.Cryptography.SHA1.HashData("x"u8)];

    private static byte[] Sha256DigestInfo => [.. Convert.FromHexString("3031300d060960864801650304020105000420"), .. System.Security.Cryptography.SHA256.HashData("x"u8)];
}
