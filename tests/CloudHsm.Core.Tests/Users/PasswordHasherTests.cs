using System.Buffers.Binary;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Users;

public class PasswordHasherTests
{
    private const string Password = "Correct-Horse-42";

    [Fact]
    public void RightPassword_Verifies_WrongPasswordDoesNot()
    {
        var hash = PasswordHasher.Hash(Password);

        Assert.True(PasswordHasher.Verify(Password, hash));
        Assert.False(PasswordHasher.Verify("Correct-Horse-43", hash));
    }

    [Fact]
    public void SamePasswordTwice_GivesDifferentHashes()
    {
        var first = PasswordHasher.Hash(Password);
        var second = PasswordHasher.Hash(Password);

        Assert.NotEqual(first, second);
        Assert.NotEqual(first.AsSpan(5, 16).ToArray(), second.AsSpan(5, 16).ToArray()); // the salt
    }

    [Fact]
    public void EncodedHash_CarriesAtLeast600000Iterations()
    {
        var hash = PasswordHasher.Hash(Password);

        Assert.Equal(PasswordHasher.EncodedLength, hash.Length);
        Assert.True(BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(1, 4)) >= 600_000);
    }

    [Fact]
    public void HashBelowTheMinimumIterations_IsNotMade()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PasswordHasher.Hash(Password, 1000));
    }

    [Fact]
    public void TamperedHash_DoesNotVerify()
    {
        var hash = PasswordHasher.Hash(Password);
        foreach (var index in new[] { 0, 5, hash.Length - 1 }) // version, salt, hash
        {
            var tampered = (byte[])hash.Clone();
            tampered[index] ^= 0x01;
            Assert.False(PasswordHasher.Verify(Password, tampered));
        }
    }

    [Fact]
    public void LoweredIterationCount_DoesNotVerify()
    {
        var hash = PasswordHasher.Hash(Password);
        BinaryPrimitives.WriteInt32BigEndian(hash.AsSpan(1, 4), 1000);

        Assert.False(PasswordHasher.Verify(Password, hash));
    }

    [Fact]
    public void TruncatedHash_DoesNotVerify()
    {
        var hash = PasswordHasher.Hash(Password);

        Assert.False(PasswordHasher.Verify(Password, hash.AsSpan(0, hash.Length - 1)));
        Assert.False(PasswordHasher.Verify(Password, []));
    }
}
