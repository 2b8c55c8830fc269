using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Tests.Mechanisms;

public class Ed25519Tests
{
    public static readonly TheoryData<string> VectorNames = new(Rfc8032Vectors.ByName.Keys);

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Rfc8032Section71Vectors(string name)
    {
        var (privateKey, publicKey, message, signature) = Decode(name);

        Assert.Equal(publicKey, Ed25519.PublicKeyOf(privateKey));
        Assert.Equal(signature, Ed25519.Sign(privateKey, message));
        Assert.True(Ed25519.Verify(publicKey, message, signature));
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void VerifyOfAnyFlippedSignatureByte_Fails(string name)
    {
        var (_, publicKey, message, signature) = Decode(name);

        for (var i = 0; i < signature.Length; i++)
        {
            var flipped = (byte[])signature.Clone();
            flipped[i] ^= 0x01;
            Assert.False(Ed25519.Verify(publicKey, message, flipped));
        }
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void VerifyOfAnotherMessage_Fails(string name)
    {
        var (_, publicKey, message, signature) = Decode(name);

        Assert.False(Ed25519.Verify(publicKey, [.. message, 0x00], signature));
        if (message.Length > 0)
        {
            var flipped = (byte[])message.Clone();
            flipped[^1] ^= 0x80;
            Assert.False(Ed25519.Verify(publicKey, flipped, signature));
        }
    }

    [Fact]
    public void VerifyWithAnotherKey_Fails()
    {
        var (_, _, message, signature) = Decode("TEST 2");
        var (_, otherPublicKey, _, _) = Decode("TEST 3");

        Assert.False(Ed25519.Verify(otherPublicKey, message, signature));
    }

    [Theory]
    [InlineData(0, 64)]
    [InlineData(31, 64)]
    [InlineData(33, 64)]
    [InlineData(32, 0)]
    [InlineData(32, 63)]
    [InlineData(32, 65)]
    public void VerifyOfWrongLengths_IsFalseNotAnException(int publicKeyLength, int signatureLength)
    {
        var (_, publicKey, message, signature) = Decode("TEST 2");
        var key = new byte[publicKeyLength];
        publicKey.AsSpan(0, Math.Min(publicKeyLength, 32)).CopyTo(key);
        var sig = new byte[signatureLength];
        signature.AsSpan(0, Math.Min(signatureLength, 64)).CopyTo(sig);

        Assert.False(Ed25519.Verify(key, message, sig));
    }

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")]
    [InlineData("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000")]
    public void VerifyWithAPublicKeyThatIsNotAValidPoint_IsFalse(string publicKey)
    {
        var (_, _, message, signature) = Decode("TEST 2");

        Assert.False(Ed25519.Verify(Convert.FromHexString(publicKey), message, signature));
        Assert.False(Ed25519.Verify(Convert.FromHexString(publicKey), message, new byte[64]));
    }

    [Fact]
    public void GeneratedKeyPair_SignsAndVerifies_AndIsFresh()
    {
        var (privateKey, publicKey) = Ed25519.GenerateKeyPair();
        var (otherPrivateKey, _) = Ed25519.GenerateKeyPair();
        var message = "a message to sign"u8.ToArray();

        Assert.Equal(32, privateKey.Length);
        Assert.Equal(publicKey, Ed25519.PublicKeyOf(privateKey));
        Assert.NotEqual(privateKey, otherPrivateKey);
        var signature = Ed25519.Sign(privateKey, message);
        Assert.Equal(64, signature.Length);
        Assert.True(Ed25519.Verify(publicKey, message, signature));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void PrivateKeyOfWrongLength_Throws(int length)
    {
        Assert.Throws<ArgumentException>(() => Ed25519.Sign(new byte[length], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => Ed25519.PublicKeyOf(new byte[length]));
    }

    private static (byte[] PrivateKey, byte[] PublicKey, byte[] Message, byte[] Signature) Decode(string name)
    {
        var v = Rfc8032Vectors.ByName[name];
        return (Convert.FromHexString(v.PrivateKey), Convert.FromHexString(v.PublicKey),
            Convert.FromHexString(v.Message), Convert.FromHexString(v.Signature));
    }
}
