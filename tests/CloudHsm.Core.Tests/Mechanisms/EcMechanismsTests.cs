using System.Security.Cryptography;
using System.Text;
using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Tests.Mechanisms;

public sealed class EcMechanismsTests : IDisposable
{
    private readonly OpenSslCli _openssl = new();

    /// <summary>RFC 6979 appendix A.2.5: P-256 public key, SHA-256 over "sample", r and s.</summary>
    [Fact]
    public void Rfc6979P256Sha256SampleSignature_Verifies()
    {
        var publicKey = SubjectPublicKeyInfo(
            ECCurve.NamedCurves.nistP256,
            "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
            "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299");
        var signature = Convert.FromHexString(
            "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716" +
            "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
        var message = Encoding.ASCII.GetBytes("sample");

        Assert.True(EcMechanisms.EcdsaSha256.Verify(publicKey, message, signature));
        Assert.True(EcMechanisms.EcdsaOnDigest.Verify(publicKey, SHA256.HashData(message), signature));
        Assert.False(EcMechanisms.EcdsaSha256.Verify(publicKey, Encoding.ASCII.GetBytes("test"), signature));
        signature[^1] ^= 1;
        Assert.False(EcMechanisms.EcdsaSha256.Verify(publicKey, message, signature));
        Assert.False(EcMechanisms.EcdsaSha256.Verify(publicKey, message, signature.AsSpan(0, 63)));
    }

    public static readonly TheoryData<string, int, MechanismId, string> CurvesAndHashes = new()
    {
        { "P-256", 32, MechanismId.EcdsaSha256, "sha256" },
        { "P-256", 32, MechanismId.EcdsaSha224, "sha224" },
        { "P-256", 32, MechanismId.EcdsaSha1, "sha1" },
        { "P-384", 48, MechanismId.EcdsaSha384, "sha384" },
        { "P-521", 66, MechanismId.EcdsaSha512, "sha512" },
        { "secp256k1", 32, MechanismId.EcdsaSha256, "sha256" },
    };

    [Theory]
    [MemberData(nameof(CurvesAndHashes))]
    public void OurSignature_VerifiesWithOpenSsl_AndTheirsWithUs(string curve, int fieldLength, MechanismId id, string openSslHash)
    {
        Assert.True(MechanismRegistry.TryGetSignature(id, out var ecdsa));
        var (privateKey, publicKey) = OpenSslKeyPair(curve);
        var message = RandomNumberGenerator.GetBytes(100);
        _openssl.Write("msg.bin", message);

        var ours = ecdsa.Sign(privateKey, message);
        Assert.Equal(2 * fieldLength, ours.Length);
        _openssl.Write("ours.der", OpenSslCli.P1363ToDer(ours));
        _openssl.Check("dgst", "-" + openSslHash, "-verify", "pub.pem", "-signature", "ours.der", "msg.bin");

        _openssl.Check("dgst", "-" + openSslHash, "-sign", "key.pem", "-out", "theirs.der", "msg.bin");
        var theirs = OpenSslCli.DerToP1363(_openssl.Read("theirs.der"), fieldLength);
        Assert.True(ecdsa.Verify(publicKey, message, theirs));
        Assert.False(ecdsa.Verify(publicKey, [.. message, 0], theirs));
    }

    [Theory]
    [InlineData("P-256", 32)]
    [InlineData("P-384", 48)]
    public void RawEcdsaOverAGivenDigest_VerifiesWithOpenSsl(string curve, int digestLength)
    {
        var (privateKey, publicKey) = OpenSslKeyPair(curve);
        var digest = RandomNumberGenerator.GetBytes(digestLength);

        var signature = EcMechanisms.EcdsaOnDigest.Sign(privateKey, digest);

        _openssl.Write("digest.bin", digest);
        _openssl.Write("sig.der", OpenSslCli.P1363ToDer(signature));
        _openssl.Check("pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-in", "digest.bin", "-sigfile", "sig.der");
        Assert.True(EcMechanisms.EcdsaOnDigest.Verify(publicKey, digest, signature));
    }

    [Fact]
    public void RawEcdsa_EmptyOrOverlongDigest_IsADataLengthError()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var privateKey = key.ExportPkcs8PrivateKey();

        Assert.Equal(MechanismError.DataLenRange, Assert.Throws<MechanismException>(() => EcMechanisms.EcdsaOnDigest.Sign(privateKey, [])).Reason);
        Assert.Throws<MechanismException>(() => EcMechanisms.EcdsaOnDigest.Sign(privateKey, new byte[65]));
        CryptographicOperations.ZeroMemory(privateKey);
    }

    [Fact]
    public void RsaKeyOrGarbage_IsAKeyTypeError()
    {
        using var rsa = RSA.Create(2048);

        Assert.Equal(MechanismError.KeyTypeInconsistent,
            Assert.Throws<MechanismException>(() => EcMechanisms.EcdsaSha256.Sign(rsa.ExportPkcs8PrivateKey(), [1])).Reason);
        Assert.Equal(MechanismError.KeyTypeInconsistent,
            Assert.Throws<MechanismException>(() => EcMechanisms.EcdsaSha256.Verify([0x30, 0x00], [1], new byte[64])).Reason);
    }

    [Fact]
    public void UnsupportedCurve_IsACurveError()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.brainpoolP256r1);

        var error = Assert.Throws<MechanismException>(() => EcMechanisms.EcdsaSha256.Sign(key.ExportPkcs8PrivateKey(), [1]));
        Assert.Equal(MechanismError.CurveNotSupported, error.Reason);
    }

    [Fact]
    public void Secp256k1_IsSupportedButNotAnApprovedCurve()
    {
        Assert.Contains(EcMechanisms.Secp256k1Oid, EcMechanisms.SupportedCurveOids);
        Assert.False(EcMechanisms.IsApprovedCurve(EcMechanisms.Secp256k1Oid));
        Assert.True(EcMechanisms.IsApprovedCurve(EcMechanisms.P521Oid));
    }

    private (byte[] PrivateKey, byte[] PublicKey) OpenSslKeyPair(string curve)
    {
        _openssl.Check("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + curve, "-pkeyopt", "ec_param_enc:named_curve", "-out", "key.pem");
        _openssl.Check("pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER", "-out", "key.der");
        _openssl.Check("pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem");
        _openssl.Check("pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der");
        return (_openssl.Read("key.der"), _openssl.Read("pub.der"));
    }

    private static byte[] SubjectPublicKeyInfo(ECCurve curve, string x, string y)
    {
        using var key = ECDsa.Create(new ECParameters
        {
            Curve = curve,
            Q = new ECPoint { X = Convert.FromHexString(x), Y = Convert.FromHexString(y) },
        });
        return key.ExportSubjectPublicKeyInfo();
    }

    public void Dispose() => _openssl.Dispose();
}
