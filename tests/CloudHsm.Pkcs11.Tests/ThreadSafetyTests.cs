using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// Issue 4's thread-safety rule: many threads, each with its own session, work side by side; two
/// threads that misuse one session get an error, never a wrong result or a broken session.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class ThreadSafetyTests(ModuleFixture module)
{
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("signed by many threads");

    [Fact]
    public void ManyThreadsWithASessionEachAllSucceed()
    {
        using var login = module.UserSession();
        var (publicKey, privateKey) = module.TokenEcPair(login, "threads-" + Guid.NewGuid().ToString("N")[..8]);
        using var verifier = ModuleFixture.EcVerifier(login, publicKey);
        const int threads = 6, rounds = 40;
        var signatures = new byte[threads][][];
        var digests = new byte[threads][][];
        var failures = new List<string>();

        RunThreads(threads, index =>
        {
            using var session = module.Slot.OpenSession(SessionType.ReadOnly);
            signatures[index] = new byte[rounds][];
            digests[index] = new byte[rounds][];
            for (var round = 0; round < rounds; round++)
            {
                signatures[index][round] = session.Sign(module.Mechanism(CKM.CKM_ECDSA_SHA256), privateKey, Message);
                digests[index][round] = session.Digest(module.Mechanism(CKM.CKM_SHA256), Message);
            }
        }, failures);

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var expectedDigest = SHA256.HashData(Message);
        for (var index = 0; index < threads; index++)
        {
            for (var round = 0; round < rounds; round++)
            {
                Assert.True(verifier.VerifyData(Message, signatures[index][round], HashAlgorithmName.SHA256), $"thread {index} round {round}");
                Assert.Equal(expectedDigest, digests[index][round]);
            }
        }
    }

    [Fact]
    public void TwoThreadsSharingOneSessionGetOperationActiveNotAWrongResult()
    {
        using var session = module.UserSession();
        var (publicKey, privateKey) = module.TokenEcPair(session, "shared-" + Guid.NewGuid().ToString("N")[..8]);
        using var verifier = ModuleFixture.EcVerifier(session, publicKey);
        const int threads = 2, rounds = 150;
        var signed = new List<byte[]>();
        var refusals = new Dictionary<CKR, int>();
        var failures = new List<string>();

        RunThreads(threads, _ =>
        {
            for (var round = 0; round < rounds; round++)
            {
                try
                {
                    var signature = session.Sign(module.Mechanism(CKM.CKM_ECDSA_SHA256), privateKey, Message);
                    lock (signed) signed.Add(signature);
                }
                catch (Pkcs11Exception e) when (e.RV is CKR.CKR_OPERATION_ACTIVE or CKR.CKR_OPERATION_NOT_INITIALIZED)
                {
                    // the other thread's operation holds the session: the standard's answer to this misuse
                    lock (refusals) refusals[e.RV] = refusals.GetValueOrDefault(e.RV) + 1;
                }
            }
        }, failures);

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.NotEmpty(signed);
        Assert.All(signed, signature => Assert.True(verifier.VerifyData(Message, signature, HashAlgorithmName.SHA256)));
        Assert.Equal(threads * rounds, signed.Count + refusals.Values.Sum());
        // Whatever interleaving happened, the session is whole afterwards.
        Assert.True(verifier.VerifyData(Message, session.Sign(module.Mechanism(CKM.CKM_ECDSA_SHA256), privateKey, Message), HashAlgorithmName.SHA256));
    }

    private static void RunThreads(int count, Action<int> body, List<string> failures)
    {
        var workers = Enumerable.Range(0, count).Select(index => new Thread(() =>
        {
            try
            {
                body(index);
            }
            catch (Exception e)
            {
                lock (failures) failures.Add($"thread {index}: {e}");
            }
        }) { IsBackground = true }).ToArray();
        foreach (var worker in workers) worker.Start();
        foreach (var worker in workers) Assert.True(worker.Join(TimeSpan.FromMinutes(5)), "a thread hung");
    }
}
