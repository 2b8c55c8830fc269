using System.Security.Cryptography;
using CloudHsm.Core.Sealing;

namespace CloudHsm.Core.Tests.Sealing;

public class SecretSealerTests
{
    private const string Purpose = SealPurpose.PasswordHash;
    private static readonly byte[] Secret = "a secret worth keeping"u8.ToArray();

    [Fact]
    public void SealThenUnseal_GivesThePlaintextBack()
    {
        using var sealer = NewSealer();

        var blob = sealer.Seal(Secret, Purpose);

        Assert.Equal(SecretSealer.Overhead + Secret.Length, blob.Length);
        Assert.True(sealer.TryUnseal(blob, Purpose, out var plaintext));
        Assert.Equal(Secret, plaintext);
        Assert.Equal(Secret, sealer.Unseal(blob, Purpose));
    }

    [Fact]
    public void OneSealerUsedByManyThreadsAtOnce_SealsAndUnsealsEveryBlob()
    {
        // The node seals and unseals from every request thread with one sealer (key material for each
        // signature): an AES-GCM context shared between threads would mix their operations.
        using var sealer = NewSealer();
        var blobs = Enumerable.Range(0, 64).Select(i => sealer.Seal(BitConverter.GetBytes(i), Purpose)).ToArray();
        var failures = 0;
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 20_000; i++)
            {
                var n = (t * 7 + i) % blobs.Length;
                try
                {
                    var ok = sealer.TryUnseal(blobs[n], Purpose, out var plaintext) && BitConverter.ToInt32(plaintext) == n
                        && sealer.TryUnseal(sealer.Seal(plaintext, Purpose), Purpose, out var again) && again.AsSpan().SequenceEqual(plaintext);
                    if (!ok) Interlocked.Increment(ref failures);
                }
                catch (CryptographicException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(0, failures);
    }

    [Fact]
    public void SealedBlob_DoesNotShowThePlaintext_AndDiffersEachTime()
    {
        using var sealer = NewSealer();

        var first = sealer.Seal(Secret, Purpose);
        var second = sealer.Seal(Secret, Purpose);

        Assert.NotEqual(first, second);
        Assert.Equal(-1, first.AsSpan().IndexOf(Secret));
    }

    [Fact]
    public void UnsealForAnotherPurpose_Fails()
    {
        using var sealer = NewSealer();
        var blob = sealer.Seal(Secret, SealPurpose.IdentityKey);

        Assert.False(sealer.TryUnseal(blob, SealPurpose.PasswordHash, out var plaintext));
        Assert.Empty(plaintext);
    }

    [Fact]
    public void UnsealOfAnyFlippedByte_Fails()
    {
        using var sealer = NewSealer();
        var blob = sealer.Seal(Secret, Purpose);

        for (var i = 0; i < blob.Length; i++)
        {
            var tampered = (byte[])blob.Clone();
            tampered[i] ^= 0x80;
            Assert.False(sealer.TryUnseal(tampered, Purpose, out _), $"byte {i} flipped was accepted");
        }
    }

    [Fact]
    public void UnsealUnderAnotherKey_Fails()
    {
        using var sealer = NewSealer();
        using var other = NewSealer();

        Assert.False(other.TryUnseal(sealer.Seal(Secret, Purpose), Purpose, out _));
    }

    [Fact]
    public void TruncatedBlob_Fails()
    {
        using var sealer = NewSealer();
        var blob = sealer.Seal(Secret, Purpose);

        Assert.False(sealer.TryUnseal(blob.AsSpan(0, blob.Length - 1), Purpose, out _));
        Assert.False(sealer.TryUnseal(blob.AsSpan(0, SecretSealer.Overhead - 1), Purpose, out _));
    }

    [Fact]
    public void UnsealOfATamperedBlob_ThrowsSealedDataTampered()
    {
        using var sealer = NewSealer();
        var blob = sealer.Seal(Secret, Purpose);
        blob[^1] ^= 0x01;

        var e = Assert.Throws<SealedDataTamperedException>(() => sealer.Unseal(blob, Purpose));
        Assert.Equal(Purpose, e.Purpose);
    }

    [Fact]
    public void DomainKeys_DeriveDistinctSealersPerUse_AndTheSameFromTheSameSecret()
    {
        var secret = DomainKeys.NewSecret();
        using var keys = new DomainKeys(secret);
        using var again = new DomainKeys(secret);
        var blob = keys.Secrets.Seal(Secret, Purpose);

        Assert.False(keys.Records.TryUnseal(blob, Purpose, out _));
        Assert.Equal(Secret, again.Secrets.Unseal(blob, Purpose));
    }

    private static SecretSealer NewSealer() => new(RandomNumberGenerator.GetBytes(SecretSealer.KeyLength));
}
