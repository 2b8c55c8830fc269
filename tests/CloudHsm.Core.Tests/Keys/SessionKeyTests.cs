using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Tests.Support;

namespace CloudHsm.Core.Tests.Keys;

/// <summary>Session keys (TOKEN = 0): node memory of one login, never stored, never shared, gone with the login.</summary>
public sealed class SessionKeyTests(KeyWorldFixture fixture) : IClassFixture<KeyWorldFixture>
{
    private const string P256 = "1.2.840.10045.3.1.7";
    private static readonly AttributeSet SessionTemplate = AttributeSet.Empty.With(AttributeId.Token, false);
    private static readonly CipherParameters Gcm = new() { AssociatedData = "session"u8.ToArray() };

    private KeyWorld W => fixture.World;

    [Fact]
    public async Task SessionKey_IsSeenOnlyByItsLogin_NotByTheSameUsersOtherLogin_AndIsNeverStored()
    {
        var aliceElsewhere = await W.LoginAgainAsync("alice");
        var keysBefore = W.KeyCount;
        var commandsBefore = W.Partition.Log.Applied.Count;

        var handle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, SessionTemplate.With(AttributeId.Label, "ephemeral"));

        Assert.Null(W.Partition.Store.FindKey(handle));
        Assert.Equal(keysBefore, W.KeyCount);
        Assert.Equal(commandsBefore, W.Partition.Log.Applied.Count);
        Assert.False(W.Keys.Get(W.Alice, handle).IsToken);
        Assert.Contains(W.Keys.Find(W.Alice, new KeyQuery { Label = "ephemeral" }), k => k.Handle == handle);
        foreach (var other in new[] { aliceElsewhere, W.Bob, W.Officer })
        {
            W.AssertRefused(HsmError.RET_KEY_NOT_FOUND, () => W.Keys.Get(other, handle));
            Assert.DoesNotContain(W.Keys.Find(other, new KeyQuery { Limit = 10_000 }), k => k.Handle == handle);
        }
        W.AssertRefused(HsmError.RET_KEY_NOT_FOUND, () => W.Crypto.Encrypt(aliceElsewhere, handle, MechanismId.AesGcm, Gcm, "x"u8));
        W.AssertRefused(HsmError.RET_KEY_NOT_FOUND, () => W.Crypto.Encrypt(W.Bob, handle, MechanismId.AesGcm, Gcm, "x"u8));
        await W.AssertRefusedAsync(HsmError.RET_KEY_NOT_FOUND, () => W.Keys.DeleteAsync(aliceElsewhere, handle).AsTask());

        var sealedData = W.Crypto.Encrypt(W.Alice, handle, MechanismId.AesGcm, Gcm, "for this login only"u8);
        Assert.Equal("for this login only"u8.ToArray(), W.Crypto.Decrypt(W.Alice, handle, MechanismId.AesGcm, Gcm with { Iv = sealedData.Iv }, sealedData.Output));
        W.Partition.Service.Logout(aliceElsewhere);
    }

    [Fact]
    public async Task SessionKey_IsGoneWhenItsLoginEnds()
    {
        var login = await W.LoginAgainAsync("alice");
        var handle = await W.Keys.GenerateSymmetricAsync(login, KeyType.Aes, 16, SessionTemplate);
        var (privateKey, publicKey) = await W.Keys.GenerateKeyPairAsync(login, KeyType.Ec, P256, SessionTemplate, SessionTemplate);
        var sessionKeys = W.Objects.SessionKeys.Count;
        var keys = W.KeyCount;

        W.Partition.Service.Logout(login);

        Assert.Equal(sessionKeys - 3, W.Objects.SessionKeys.Count);
        Assert.Equal(keys, W.KeyCount);
        foreach (var h in new[] { handle, privateKey, publicKey })
        {
            Assert.Null(W.Objects.SessionKeys.Find(login, h));
            Assert.False(W.Objects.SessionKeys.Contains(h));
        }
        Assert.Equal(HsmError.RET_KEY_NOT_FOUND, Assert.Throws<HsmException>(() => W.Crypto.Encrypt(login, handle, MechanismId.AesGcm, Gcm, "x"u8)).Error);
        Assert.Equal(HsmError.RET_KEY_NOT_FOUND, Assert.Throws<HsmException>(() => W.Crypto.Sign(login, privateKey, MechanismId.EcdsaSha256, "x"u8)).Error);
    }

    [Fact]
    public async Task SessionPair_SignsAndVerifies_WithinItsLogin()
    {
        var keys = W.KeyCount;
        var (privateKey, publicKey) = await W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, P256, SessionTemplate, SessionTemplate);

        var signature = W.Crypto.Sign(W.Alice, privateKey, MechanismId.EcdsaSha256, "message"u8);

        Assert.True(W.Crypto.Verify(W.Alice, publicKey, MechanismId.EcdsaSha256, "message"u8, signature));
        Assert.Equal(keys, W.KeyCount);
        Assert.Equal(publicKey, W.Keys.Get(W.Alice, privateKey).Partner);
        Assert.Equal(privateKey, W.Keys.Get(W.Alice, publicKey).Partner);
    }

    [Fact]
    public async Task PairWithOneTokenHalf_IsRefused_AndMakesNothing()
    {
        await W.AssertRefusedAsync(HsmError.RET_ATTRIBUTE_VALUE_INVALID, () =>
            W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, P256, SessionTemplate, AttributeSet.Empty).AsTask());
        await W.AssertRefusedAsync(HsmError.RET_ATTRIBUTE_VALUE_INVALID, () =>
            W.Keys.GenerateKeyPairAsync(W.Alice, KeyType.Ec, P256, AttributeSet.Empty, SessionTemplate).AsTask());
    }

    [Fact]
    public async Task TokenZeroToOne_PersistsTheSessionKey_UnderTheSameHandle()
    {
        var handle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, SessionTemplate.With(AttributeId.Label, "promoted"));
        var sessionKey = W.Keys.Get(W.Alice, handle);
        var sealedData = W.Crypto.Encrypt(W.Alice, handle, MechanismId.AesGcm, Gcm, "kept"u8);
        var keys = W.KeyCount;
        var sessionKeys = W.Objects.SessionKeys.Count;

        await W.Keys.SetAttributeAsync(W.Alice, handle, AttributeId.Token, [1]);

        var stored = W.Key(handle);
        Assert.True(stored.IsToken);
        Assert.Equal("alice", stored.Owner);
        Assert.Equal("promoted", stored.Label);
        Assert.Equal(sessionKey.Kcv, stored.Kcv);
        Assert.Equal(sessionKey.CreatedAt, stored.CreatedAt);
        Assert.Equal(keys + 1, W.KeyCount);
        Assert.Equal(sessionKeys - 1, W.Objects.SessionKeys.Count);
        Assert.Null(W.Objects.SessionKeys.Find(W.Alice, handle));
        Assert.Equal("kept"u8.ToArray(), W.Crypto.Decrypt(W.Alice, handle, MechanismId.AesGcm, Gcm with { Iv = sealedData.Iv }, sealedData.Output));

        // a token key now: shared like any other
        await W.Keys.ShareAsync(W.Alice, handle, "bob", true);
        Assert.Equal("kept"u8.ToArray(), W.Crypto.Decrypt(W.Bob, handle, MechanismId.AesGcm, Gcm with { Iv = sealedData.Iv }, sealedData.Output));
    }

    [Fact]
    public async Task TokenOneToZero_IsRefused()
    {
        var handle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, AttributeSet.Empty);

        await W.AssertRefusedAsync(HsmError.RET_ATTRIBUTE_READ_ONLY, () => W.Keys.SetAttributeAsync(W.Alice, handle, AttributeId.Token, [0]).AsTask());

        Assert.True(W.Key(handle).IsToken);
        Assert.Null(W.Objects.SessionKeys.Find(W.Alice, handle));
    }

    [Fact]
    public async Task SessionKey_IsNeverShared()
    {
        var handle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, SessionTemplate);

        await W.AssertRefusedAsync(HsmError.RET_OPERATION_NOT_PERMITTED, () => W.Keys.ShareAsync(W.Alice, handle, "bob", true).AsTask());

        Assert.Empty(W.Keys.Get(W.Alice, handle).Shares);
        Assert.Equal(HsmError.RET_KEY_NOT_FOUND, Assert.Throws<HsmException>(() => W.Keys.Get(W.Bob, handle)).Error);
    }

    [Fact]
    public async Task SessionKey_AttributeChangesStayInTheSession_AndDeleteForgetsIt()
    {
        var handle = await W.Keys.GenerateSymmetricAsync(W.Alice, KeyType.Aes, 32, SessionTemplate);
        var keys = W.KeyCount;

        await W.Keys.SetAttributeAsync(W.Alice, handle, AttributeId.Label, "renamed"u8.ToArray());
        await W.AssertRefusedAsync(HsmError.RET_ATTRIBUTE_READ_ONLY, () => W.Keys.SetAttributeAsync(W.Alice, handle, AttributeId.Sensitive, [0]).AsTask());
        Assert.Equal("renamed", W.Keys.Get(W.Alice, handle).Label);
        Assert.Equal(keys, W.KeyCount);

        var sessionKeys = W.Objects.SessionKeys.Count;
        await W.Keys.DeleteAsync(W.Alice, handle);
        Assert.Equal(sessionKeys - 1, W.Objects.SessionKeys.Count);
        Assert.Equal(HsmError.RET_KEY_NOT_FOUND, Assert.Throws<HsmException>(() => W.Keys.Get(W.Alice, handle)).Error);
    }
}
