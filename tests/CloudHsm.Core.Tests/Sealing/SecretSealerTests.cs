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
