using System.Diagnostics;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// The fault case of issue 4: the node process is killed (SIGKILL) under load and started again on the
/// same data directory and ports; the module retries, logs in again and the application sees nothing.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class ResilienceTests(ModuleFixture module)
{
    private const int Threads = 4;
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("signed while the node restarts");

    [Fact]
    public async Task SigningThreadsSeeNoErrorWhenTheNodeIsKilledAndRestarted()
    {
        using var login = module.UserSession();
        var (publicKey, privateKey) = module.TokenEcPair(login, "fault-" + Guid.NewGuid().ToString("N")[..8]);
        using var verifier = ModuleFixture.EcVerifier(login, publicKey);
        var logBefore = new FileInfo(module.LogPath).Length;

        var counts = new int[Threads];
        var signatures = new List<byte>[Threads];
        var failures = new List<string>();
        using var stop = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, Threads).Select(index => new Thread(() =>
        {
            signatures[index] = [];
            try
            {
                using var session = module.Slot.OpenSession(SessionType.ReadOnly);
                var mechanism = module.Mechanism(CKM.CKM_ECDSA_SHA256);
                while (!stop.IsSet)
                {
                    var signature = session.Sign(mechanism, privateKey, Message);
                    lock (signatures[index]) signatures[index].AddRange(signature);
                    Interlocked.Increment(ref counts[index]);
                }
            }
            catch (Exception e)
            {
                lock (failures) failures.Add($"thread {index} after {counts[index]} signatures: {e}");
            }
        }) { IsBackground = true }).ToArray();
        foreach (var worker in workers) worker.Start();

        try
        {
            await WaitForEachAsync(counts, 20, failures);
            await module.Partition.KillNodeAsync();
            await Task.Delay(500); // calls now meet a closed port: they retry
            await module.Partition.StartNodeAgainAsync();
            await WaitForEachAsync([.. counts.Select(c => c + 20)], counts, failures);
        }
        finally
        {
            stop.Set();
            foreach (var worker in workers) Assert.True(worker.Join(TimeSpan.FromSeconds(ModuleFixture.RetrySeconds * 3)), "a signing thread hung");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        for (var index = 0; index < Threads; index++)
        {
            var all = signatures[index].ToArray();
            Assert.Equal(counts[index] * 64, all.Length);
            for (var offset = 0; offset < all.Length; offset += 64)
            {
                Assert.True(verifier.VerifyData(Message, all.AsSpan(offset, 64), HashAlgorithmName.SHA256), $"signature {offset / 64} of thread {index}");
            }
        }
        var log = (await File.ReadAllTextAsync(module.LogPath))[(int)logBefore..];
        Assert.True(log.Contains($"re-login: Cu '{ModuleFixture.User}' logged in again", StringComparison.Ordinal), log);
        // Each thread was in C_SignInit (Keys/GetKeyInfo) or C_Sign (Crypto/Sign) when the node died.
        Assert.True(log.Contains(": recovered on node ", StringComparison.Ordinal), log);
    }

    [Fact]
    public async Task ANodeThatStaysDownGivesDeviceErrorWithinABoundedTimeAndTheSessionWorksWhenItIsBack()
    {
        using var session = module.UserSession();
        var (_, privateKey) = module.TokenEcPair(session, "down-" + Guid.NewGuid().ToString("N")[..8]);
        var mechanism = module.Mechanism(CKM.CKM_ECDSA_SHA256);
        Assert.Equal(64, session.Sign(mechanism, privateKey, Message).Length);

        await module.Partition.KillNodeAsync();
        var clock = Stopwatch.StartNew();
        try
        {
            var refused = await Task.Run(() => Assert.Throws<Pkcs11Exception>(() => session.Sign(mechanism, privateKey, Message)));
            Assert.Equal(CKR.CKR_DEVICE_ERROR, refused.RV);
            // A hang check, not a speed test: the retry window is 30 s.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"C_Sign took {clock.Elapsed} with the node down");
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(ModuleFixture.RetrySeconds - 1), $"C_Sign gave up after {clock.Elapsed}, before the retry window");
        }
        finally
        {
            await module.Partition.StartNodeAgainAsync();
        }

        // The same session and token key, after a re-login the application never asked for.
        Assert.Equal(64, session.Sign(mechanism, privateKey, Message).Length);
    }

    [Fact]
    public async Task AKeyGeneratedWhileTheNodeIsDownIsMadeOnceWhenItIsBack()
    {
        using var session = module.UserSession();
        var label = "outage-" + Guid.NewGuid().ToString("N")[..8];
        await module.Partition.KillNodeAsync();
        Task<IObjectHandle> generate;
        try
        {
            // The module repeats the call under one request id until the node is back.
            generate = Task.Run(() => session.GenerateKey(module.Mechanism(CKM.CKM_AES_KEY_GEN),
                [module.Attribute(CKA.CKA_VALUE_LEN, 32), module.Attribute(CKA.CKA_LABEL, label), module.Attribute(CKA.CKA_TOKEN, true)]));
            await Task.Delay(1500);
            Assert.False(generate.IsCompleted, "C_GenerateKey returned while the node was down");
        }
        finally
        {
            await module.Partition.StartNodeAgainAsync();
        }
        var key = await generate;
        var found = session.FindAllObjects([module.Attribute(CKA.CKA_LABEL, label)]);
        Assert.Equal(key.ObjectId, Assert.Single(found).ObjectId);
    }

    [Fact]
    public async Task ASessionWhoseSessionKeyDiedWithTheNodesMemoryIsClosedAndTheOthersCarryOn()
    {
        using var owner = module.UserSession();
        using var other = module.Slot.OpenSession(SessionType.ReadOnly);
        var (_, privateKey) = module.TokenEcPair(owner, "closed-" + Guid.NewGuid().ToString("N")[..8]);
        var sessionKey = owner.GenerateKey(module.Mechanism(CKM.CKM_AES_KEY_GEN),
            [module.Attribute(CKA.CKA_VALUE_LEN, 32), module.Attribute(CKA.CKA_TOKEN, false), module.Attribute(CKA.CKA_ENCRYPT, true)]);
        var mechanism = module.Mechanism(CKM.CKM_ECDSA_SHA256);
        Assert.Equal(64, other.Sign(mechanism, privateKey, Message).Length);

        await module.Partition.KillNodeAsync();
        await module.Partition.StartNodeAgainAsync();

        // The node forgot the login and the session key: the module logs in again for the session
        // that holds only token objects...
        Assert.Equal(64, (await Task.Run(() => other.Sign(mechanism, privateKey, Message))).Length);
        // ...and reports the one that made the session key closed, whatever it asks.
        Assert.Equal(CKR.CKR_SESSION_CLOSED, Assert.Throws<Pkcs11Exception>(() => owner.GenerateRandom(16)).RV);
        Assert.Equal(CKR.CKR_SESSION_CLOSED, Assert.Throws<Pkcs11Exception>(() => owner.GetSessionInfo()).RV);
        Assert.Equal(CKR.CKR_SESSION_CLOSED, Assert.Throws<Pkcs11Exception>(
            () => owner.Encrypt(module.Mechanism(CKM.CKM_AES_ECB), sessionKey, new byte[16])).RV);
        // The application closes it (C_CloseSession succeeds, and sends no delete for a handle the node never made).
        owner.CloseSession();
        using var again = module.Slot.OpenSession(SessionType.ReadOnly);
        Assert.Equal(64, again.Sign(mechanism, privateKey, Message).Length);
    }

    private static Task WaitForEachAsync(int[] counts, int atLeast, List<string> failures) =>
        WaitForEachAsync([.. counts.Select(_ => atLeast)], counts, failures);

    /// <summary>Waits until every thread's count reaches its target, or a thread failed, or two minutes passed.</summary>
    private static async Task WaitForEachAsync(int[] targets, int[] counts, List<string> failures)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (Enumerable.Range(0, counts.Length).Any(i => Volatile.Read(ref counts[i]) < targets[i]))
        {
            lock (failures) if (failures.Count > 0) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"signing stalled: {string.Join(", ", counts)} of {string.Join(", ", targets)}");
            await Task.Delay(100);
        }
    }
}
