using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Tests.Support;

namespace CloudHsm.Core.Tests.Keys;

/// <summary>
/// Keys kept loaded between crypto calls: loaded once, and never a way around the checks on the
/// current record (usage flags, shares, retirement, deletion) or a way to serve other material.
/// </summary>
public sealed class LoadedKeyCacheTests
{
    private const string P256 = "1.2.840.10045.3.1.7";

    private static HsmError Refusal(Action action) => Assert.Throws<HsmException>(action).Error;

    private static Func<KeyRecord, LoadedKey?> Loader(KeyWorld w) => key => w.Objects.WithMaterial(key, m => LoadedKeyCache.Load(key, m));

    [Fact]
    public async Task SecondUse_GetsTheSameLoadedKey_WithoutImportingAgain()
    {
        using var w = await KeyWorld.CreateAsync();
        var (privateKey, publicKey) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Rsa, "2048", AttributeSet.Empty, AttributeSet.Empty);
        var cache = w.Objects.LoadedKeys;

        var first = w.Crypto.Sign(w.Alice, privateKey, MechanismId.Sha256RsaPkcs, "one"u8);
        var second = w.Crypto.Sign(w.Alice, privateKey, MechanismId.Sha256RsaPkcs, "two"u8);

        Assert.Equal(1, cache.Loads);
        Assert.True(w.Crypto.Verify(w.Alice, publicKey, MechanismId.Sha256RsaPkcs, "one"u8, first));
        Assert.True(w.Crypto.Verify(w.Alice, publicKey, MechanismId.Sha256RsaPkcs, "two"u8, second));
        LoadedKey rented;
        using (var lease = RentOrFail(cache, w.Key(privateKey), Loader(w))) rented = lease.Key;
        using (var again = RentOrFail(cache, w.Key(privateKey), Loader(w))) Assert.Same(rented, again.Key);
        Assert.Equal(1, cache.Loads);
    }

    [Fact]
    public async Task EveryLoadedMechanism_GivesTheSameResultsAsTheMaterialPath()
    {
        using var w = await KeyWorld.CreateAsync();
        var (ecPrivate, ecPublic) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty);
        var hmacKey = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.GenericSecret, 32, AttributeSet.Empty.With(AttributeId.Sign, true).With(AttributeId.Verify, true));
        var aesKey = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty);

        for (var i = 0; i < 2; i++) // the first call loads, the second uses the loaded key
        {
            var ecdsa = w.Crypto.Sign(w.Alice, ecPrivate, MechanismId.EcdsaSha256, "data"u8);
            Assert.True(w.Crypto.Verify(w.Alice, ecPublic, MechanismId.EcdsaSha256, "data"u8, ecdsa));
            var mac = w.Crypto.Sign(w.Alice, hmacKey, MechanismId.Sha256Hmac, "data"u8);
            Assert.True(w.Crypto.Verify(w.Alice, hmacKey, MechanismId.Sha256Hmac, "data"u8, mac));
            var parameters = new CipherParameters { AssociatedData = "aad"u8.ToArray() };
            var sealedData = w.Crypto.Encrypt(w.Alice, aesKey, MechanismId.AesGcm, parameters, "payload"u8);
            Assert.Equal("payload"u8.ToArray(), w.Crypto.Decrypt(w.Alice, aesKey, MechanismId.AesGcm, parameters with { Iv = sealedData.Iv }, sealedData.Output));
            sealedData.Output[^1] ^= 1;
            Assert.Equal(HsmError.RET_ENCRYPTED_DATA_INVALID, Refusal(() =>
                w.Crypto.Decrypt(w.Alice, aesKey, MechanismId.AesGcm, parameters with { Iv = sealedData.Iv }, sealedData.Output)));
            Assert.Equal(HsmError.RET_MECHANISM_PARAM_INVALID, Refusal(() =>
                w.Crypto.Encrypt(w.Alice, aesKey, MechanismId.AesGcm, parameters with { TagLength = 8 }, "payload"u8)));
        }
        Assert.Equal(3, w.Objects.LoadedKeys.Loads);
    }

    [Fact]
    public async Task AUsageFlagTurnedOff_IsCheckedOnTheCurrentRecord()
    {
        using var w = await KeyWorld.CreateAsync();
        var (privateKey, _) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty);
        w.Crypto.Sign(w.Alice, privateKey, MechanismId.EcdsaSha256, "x"u8);

        await w.Keys.SetAttributeAsync(w.Alice, privateKey, AttributeId.Sign, [0]);

        Assert.Equal(HsmError.RET_KEY_FUNCTION_NOT_PERMITTED, Refusal(() => w.Crypto.Sign(w.Alice, privateKey, MechanismId.EcdsaSha256, "x"u8)));
    }

    [Fact]
    public async Task AWithdrawnShare_IsCheckedOnTheCurrentRecord()
    {
        using var w = await KeyWorld.CreateAsync();
        var (privateKey, _) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty);
        await w.Keys.ShareAsync(w.Alice, privateKey, "bob", true);
        w.Crypto.Sign(w.Bob, privateKey, MechanismId.EcdsaSha256, "x"u8);

        await w.Keys.ShareAsync(w.Alice, privateKey, "bob", false);

        Assert.Equal(HsmError.RET_KEY_NOT_FOUND, Refusal(() => w.Crypto.Sign(w.Bob, privateKey, MechanismId.EcdsaSha256, "x"u8)));
    }

    [Fact]
    public async Task ARetiredKey_NoLongerSigns()
    {
        using var w = await KeyWorld.CreateAsync();
        var key = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        w.Crypto.Encrypt(w.Alice, key, MechanismId.AesGcm, CipherParameters.None, "x"u8);

        await w.Keys.RetireAsync(w.Alice, key);

        Assert.Equal(HsmError.RET_KEY_RETIRED, Refusal(() => w.Crypto.Encrypt(w.Alice, key, MechanismId.AesGcm, CipherParameters.None, "x"u8)));
    }

    [Fact]
    public async Task ADeletedKey_IsDroppedAndItsLoadedFormDisposed()
    {
        using var w = await KeyWorld.CreateAsync();
        var (privateKey, _) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty);
        w.Crypto.Sign(w.Alice, privateKey, MechanismId.EcdsaSha256, "x"u8);
        LoadedKey loaded;
        using (var lease = RentOrFail(w.Objects.LoadedKeys, w.Key(privateKey), Loader(w))) loaded = lease.Key;

        await w.Keys.DeleteAsync(w.Alice, privateKey);

        Assert.False(w.Objects.LoadedKeys.Contains(privateKey));
        Assert.True(loaded.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => loaded.Ecdsa!.SignHash(new byte[32]));
        Assert.Equal(HsmError.RET_KEY_NOT_FOUND, Refusal(() => w.Crypto.Sign(w.Alice, privateKey, MechanismId.EcdsaSha256, "x"u8)));
    }

    [Fact]
    public async Task ASessionKeyDestroyed_IsDropped_AndASecretsBytesWiped()
    {
        using var w = await KeyWorld.CreateAsync();
        var key = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.GenericSecret, 32,
            AttributeSet.Empty.With(AttributeId.Token, false).With(AttributeId.Sign, true));
        w.Crypto.Sign(w.Alice, key, MechanismId.Sha256Hmac, "x"u8);
        LoadedKey loaded;
        var record = w.Objects.Reachable(w.Alice, key);
        using (var lease = RentOrFail(w.Objects.LoadedKeys, record, Loader(w))) loaded = lease.Key;
        Assert.Contains(loaded.Secret.ToArray(), b => b != 0);

        await w.Keys.DeleteAsync(w.Alice, key);

        Assert.False(w.Objects.LoadedKeys.Contains(key));
        Assert.True(loaded.IsDisposed);
        Assert.All(loaded.Secret.ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task ASessionKeyOfAnEndedLogin_IsDroppedAtTheNextLoad()
    {
        using var w = await KeyWorld.CreateAsync();
        var login = await w.LoginAgainAsync("alice");
        var sessionKey = await w.Keys.GenerateSymmetricAsync(login, KeyType.Aes, 32, AttributeSet.Empty.With(AttributeId.Token, false));
        var tokenKey = await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty);
        w.Crypto.Encrypt(login, sessionKey, MechanismId.AesGcm, CipherParameters.None, "x"u8);
        LoadedKey loaded;
        using (var lease = RentOrFail(w.Objects.LoadedKeys, w.Objects.Reachable(login, sessionKey), Loader(w), login)) loaded = lease.Key;

        w.Partition.Service.Logout(login);
        w.Crypto.Encrypt(w.Alice, tokenKey, MechanismId.AesGcm, CipherParameters.None, "x"u8); // a load

        Assert.False(w.Objects.LoadedKeys.Contains(sessionKey));
        Assert.True(w.Objects.LoadedKeys.Contains(tokenKey));
        Assert.True(loaded.IsDisposed);
        Assert.All(loaded.Secret.ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task OtherMaterialUnderTheSameHandle_IsNeverServedTheOldKey()
    {
        using var w = await KeyWorld.CreateAsync();
        var (first, _) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty);
        var (second, secondPublic) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty);
        var cache = w.Objects.LoadedKeys;
        var record = w.Key(first);
        LoadedKey old;
        using (var lease = RentOrFail(cache, record, Loader(w))) old = lease.Key;

        // The same handle, now with the second key's material (as a restore could leave it).
        var replaced = record with { SealedMaterial = w.Key(second).SealedMaterial };
        using (var lease = RentOrFail(cache, replaced, Loader(w)))
        {
            Assert.NotSame(old, lease.Key);
            var digest = SHA256.HashData("m"u8);
            var signature = lease.Key.Ecdsa!.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            using var verifier = ECDsa.Create();
            verifier.ImportSubjectPublicKeyInfo(w.Objects.WithMaterial(w.Key(secondPublic), m => m.ToArray()), out _);
            Assert.True(verifier.VerifyHash(digest, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        }
        Assert.True(old.IsDisposed);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task BeyondItsCapacity_TheLeastRecentlyUsedKeyIsEvictedAndDisposed()
    {
        using var w = await KeyWorld.CreateAsync();
        var handles = new List<ulong>();
        for (var i = 0; i < 3; i++) handles.Add(await w.Keys.GenerateSymmetricAsync(w.Alice, KeyType.Aes, 32, AttributeSet.Empty));
        using var cache = new LoadedKeyCache(capacity: 2);
        var loaded = new LoadedKey[3];
        using (var lease = RentOrFail(cache, w.Key(handles[0]), Loader(w))) loaded[0] = lease.Key;
        using (var lease = RentOrFail(cache, w.Key(handles[1]), Loader(w))) loaded[1] = lease.Key;
        using (RentOrFail(cache, w.Key(handles[0]), Loader(w))) { } // the first is now the more recent

        using (var lease = RentOrFail(cache, w.Key(handles[2]), Loader(w))) loaded[2] = lease.Key;

        Assert.Equal(2, cache.Count);
        Assert.True(cache.Contains(handles[0]));
        Assert.False(cache.Contains(handles[1]));
        Assert.True(cache.Contains(handles[2]));
        Assert.True(loaded[1].IsDisposed);
        Assert.False(loaded[0].IsDisposed);
        Assert.Equal(3, cache.Loads);
    }

    [Fact]
    public async Task ConcurrentCalls_EachGetAnInstanceOfTheirOwn()
    {
        using var w = await KeyWorld.CreateAsync();
        var (privateKey, _) = await w.Keys.GenerateKeyPairAsync(w.Alice, KeyType.Ec, P256, AttributeSet.Empty, AttributeSet.Empty);
        var record = w.Key(privateKey);
        using var cache = new LoadedKeyCache(instancesPerKey: 4);
        var inUse = new HashSet<LoadedKey>();
        var shared = 0;

        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            using var lease = RentOrFail(cache, record, Loader(w));
            lock (inUse)
            {
                if (!inUse.Add(lease.Key)) shared++;
            }
            lease.Key.Ecdsa!.SignHash(new byte[32]);
            lock (inUse) inUse.Remove(lease.Key);
        });

        Assert.Equal(0, shared);
        Assert.InRange(cache.Loads, 1, 4);
    }

    private static LoadedKeyCache.Lease RentOrFail(LoadedKeyCache cache, KeyRecord key, Func<KeyRecord, LoadedKey?> load, LoginContext? sessionLogin = null)
    {
        Assert.True(cache.TryRent(key, load, out var lease, sessionLogin));
        return lease;
    }
}
