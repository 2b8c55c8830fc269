using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Tests.Mechanisms;

public sealed class EdDsaMechanismsTests : IDisposable
{
    public static readonly TheoryData<string> VectorNames = new(Rfc8032Vectors.ByName.Keys);

    private readonly OpenSslCli _openssl = new();

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Rfc8032VectorsThroughTheRegistry(string name)
    {
        var vector = Rfc8032Vectors.ByName[name];
        Assert.True(MechanismRegistry.TryGetSignature(MechanismId.EdDsa, out var eddsa));
        var message = Convert.FromHexString(vector.Message);

        var signature = eddsa.Sign(Convert.FromHexString(vector.PrivateKey), message);

        Assert.Equal(vector.Signature, Convert.ToHexStringLower(signature));
        Assert.True(eddsa.Verify(Convert.FromHexString(vector.PublicKey), message, signature));
        signature[0] ^= 1;
        Assert.False(eddsa.Verify(Convert.FromHexString(vector.PublicKey), message, signature));
    }

    [Fact]
    public void KeysOfWrongLength_AreKeyTypeErrors()
    {
        Assert.Equal(MechanismError.KeyTypeInconsistent, Assert.Throws<MechanismException>(() => EdDsaMechanisms.Ed25519Pure.Sign(new byte[31], [1])).Reason);
        Assert.Throws<MechanismException>(() => EdDsaMechanisms.Ed25519Pure.Verify(new byte[33], [1], new byte[64]));
    }

    [Fact]
    public void OurSignature_VerifiesWithOpenSsl()
    {
        var (privateKey, publicKey) = Ed25519.GenerateKeyPair();
        byte[] message = [.. "signed inside the HSM"u8];
        var signature = EdDsaMechanisms.Ed25519Pure.Sign(privateKey, message);

        // SubjectPublicKeyInfo for Ed25519 (RFC 8410): a fixed 12-byte prefix, then the raw point.
        _openssl.Write("pub.der", [.. Convert.FromHexString("302a300506032b6570032100"), .. publicKey]);
        _openssl.Write("msg.bin", message);
        _openssl.Write("sig.bin", signature);
        _openssl.Check("pkeyutl", "-verify", "-pubin", "-inkey", "pub.der", "-keyform", "DER", "-rawin", "-in", "msg.bin", "-sigfile", "sig.bin");
    }

    public void Dispose() => _openssl.Dispose();
}
