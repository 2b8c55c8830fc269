using System.Security.Cryptography;
using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Tests.Mechanisms;

/// <summary>An RSA-2048 key made once by <c>openssl genpkey</c>, as PKCS#8 and SubjectPublicKeyInfo DER.</summary>
public sealed class OpenSslRsaKeyFixture : IDisposable
{
    public OpenSslRsaKeyFixture()
    {
        OpenSsl.Check("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "key.pem");
        OpenSsl.Check("pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER", "-out", "key.der");
        OpenSsl.Check("pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem");
        OpenSsl.Check("pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der");
        PrivateKey = OpenSsl.Read("key.der");
        PublicKey = OpenSsl.Read("pub.der");
    }

    internal OpenSslCli OpenSsl { get; } = new();

    public byte[] PrivateKey { get; }

    public byte[] PublicKey { get; }

    public void Dispose() => OpenSsl.Dispose();
}

public sealed class RsaMechanismsTests(OpenSslRsaKeyFixture key) : IClassFixture<OpenSslRsaKeyFixture>
{
    private OpenSslCli OpenSsl => key.OpenSsl;

    [Theory]
    [InlineData(MechanismId.Sha1RsaPkcs, "sha1")]
    [InlineData(MechanismId.Sha224RsaPkcs, "sha224")]
    [InlineData(MechanismId.Sha256RsaPkcs, "sha256")]
    [InlineData(MechanismId.Sha384RsaPkcs, "sha384")]
    [InlineData(MechanismId.Sha512RsaPkcs, "sha512")]
    public void Pkcs1v15_OpenSslSignature_Verifies_AndOursEqualsIt(MechanismId id, string hash)
    {
        Assert.True(MechanismRegistry.TryGetSignature(id, out var rsa));
        var message = RandomNumberGenerator.GetBytes(200);
        OpenSsl.Write($"{hash}.msg", message);
        OpenSsl.Check("dgst", "-" + hash, "-sign", "key.pem", "-out", $"{hash}.sig", $"{hash}.msg");
        var theirs = OpenSsl.Read($"{hash}.sig");

        Assert.True(rsa.Verify(key.PublicKey, message, theirs));
        Assert.Equal(theirs, rsa.Sign(key.PrivateKey, message)); // PKCS#1 v1.5 is deterministic
        theirs[10] ^= 1;
        Assert.False(rsa.Verify(key.PublicKey, message, theirs));
        Assert.False(rsa.Verify(key.PublicKey, message, theirs.AsSpan(1)));
    }

    [Theory]
    [InlineData(MechanismId.Sha1RsaPkcsPss, "sha1")]
    [InlineData(MechanismId.Sha224RsaPkcsPss, "sha224")]
    [InlineData(MechanismId.Sha256RsaPkcsPss, "sha256")]
    [InlineData(MechanismId.Sha384RsaPkcsPss, "sha384")]
    [InlineData(MechanismId.Sha512RsaPkcsPss, "sha512")]
    public void Pss_OurSignature_VerifiesWithOpenSsl_AndTheirsWithUs(MechanismId id, string hash)
    {
        Assert.True(MechanismRegistry.TryGetSignature(id, out var rsa));
        var message = RandomNumberGenerator.GetBytes(77);
        OpenSsl.Write($"pss-{hash}.msg", message);

        OpenSsl.Write($"pss-{hash}.ours", rsa.Sign(key.PrivateKey, message));
        OpenSsl.Check("dgst", "-" + hash, "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest",
            "-verify", "pub.pem", "-signature", $"pss-{hash}.ours", $"pss-{hash}.msg");

        OpenSsl.Check("dgst", "-" + hash, "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest",
            "-sign", "key.pem", "-out", $"pss-{hash}.theirs", $"pss-{hash}.msg");
        Assert.True(rsa.Verify(key.PublicKey, message, OpenSsl.Read($"pss-{hash}.theirs")));
        Assert.False(rsa.Verify(key.PublicKey, [.. message, 1], OpenSsl.Read($"pss-{hash}.theirs")));
    }

    [Fact]
    public void PssOverAGivenDigest_MatchesTheHashingMechanism()
    {
        var message = RandomNumberGenerator.GetBytes(50);
        var signature = RsaMechanisms.PssOnDigest.Sign(key.PrivateKey, SHA384.HashData(message));

        Assert.True(RsaMechanisms.Sha384Pss.Verify(key.PublicKey, message, signature));
        Assert.True(RsaMechanisms.PssOnDigest.Verify(key.PublicKey, SHA384.HashData(message), signature));
        Assert.Equal(MechanismError.DataLenRange,
            Assert.Throws<MechanismException>(() => RsaMechanisms.PssOnDigest.Sign(key.PrivateKey, new byte[33])).Reason);
    }

    [Theory]
    [InlineData(MechanismId.Sha1, "sha1")]
    [InlineData(MechanismId.Sha256, "sha256")]
    public void Oaep_OpenSslCiphertext_DecryptsHere(MechanismId hash, string openSslHash)
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        OpenSsl.Write($"oaep-{openSslHash}.pt", secret);
        OpenSsl.Check("pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.pem",
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:" + openSslHash, "-pkeyopt", "rsa_mgf1_md:" + openSslHash,
            "-in", $"oaep-{openSslHash}.pt", "-out", $"oaep-{openSslHash}.ct");
        var ciphertext = OpenSsl.Read($"oaep-{openSslHash}.ct");
        var parameters = new CipherParameters { OaepHash = hash };

        Assert.True(RsaMechanisms.Oaep.TryDecrypt(key.PrivateKey, ciphertext, parameters, out var opened));
        Assert.Equal(secret, opened);

        ciphertext[100] ^= 1;
        Assert.False(RsaMechanisms.Oaep.TryDecrypt(key.PrivateKey, ciphertext, parameters, out _));
        Assert.False(RsaMechanisms.Oaep.TryDecrypt(key.PrivateKey, ciphertext.AsSpan(1), parameters, out _));
    }

    [Fact]
    public void Oaep_OurCiphertext_DecryptsWithOpenSsl()
    {
        var secret = RandomNumberGenerator.GetBytes(24);
        var result = RsaMechanisms.Oaep.Encrypt(key.PublicKey, secret, new CipherParameters { OaepHash = MechanismId.Sha256 });
        OpenSsl.Write("oaep-ours.ct", result.Output);

        OpenSsl.Check("pkeyutl", "-decrypt", "-inkey", "key.pem",
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256",
            "-in", "oaep-ours.ct", "-out", "oaep-ours.pt");
        Assert.Equal(secret, OpenSsl.Read("oaep-ours.pt"));
    }

    [Fact]
    public void Oaep_BadParameters_AreParameterErrors()
    {
        Assert.Equal(MechanismError.MechanismParamInvalid, Assert.Throws<MechanismException>(() =>
            RsaMechanisms.Oaep.Encrypt(key.PublicKey, [1], new CipherParameters { OaepHash = MechanismId.Sha224 })).Reason);
        Assert.Equal(MechanismError.MechanismParamInvalid, Assert.Throws<MechanismException>(() =>
            RsaMechanisms.Oaep.Encrypt(key.PublicKey, [1], new CipherParameters { OaepLabel = new byte[] { 1 } })).Reason);
        Assert.Equal(MechanismError.DataLenRange, Assert.Throws<MechanismException>(() =>
            RsaMechanisms.Oaep.Encrypt(key.PublicKey, new byte[256 - 2 * 32 - 1], new CipherParameters { OaepHash = MechanismId.Sha256 })).Reason);
    }

    [Fact]
    public void Pkcs1v15Encryption_RoundTrips_AndIsNotApproved()
    {
        Assert.True(MechanismRegistry.TryGetCipher(MechanismId.RsaPkcs, out var rsa));
        Assert.False(rsa.Approved);
        var secret = RandomNumberGenerator.GetBytes(16);

        var ciphertext = rsa.Encrypt(key.PublicKey, secret, CipherParameters.None).Output;

        Assert.True(rsa.TryDecrypt(key.PrivateKey, ciphertext, CipherParameters.None, out var opened));
        Assert.Equal(secret, opened);
    }

    [Fact]
    public void KeyOfWrongTypeOrSize_IsRefused()
    {
        using var small = RSA.Create(1024);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.Equal(MechanismError.KeySizeRange,
            Assert.Throws<MechanismException>(() => RsaMechanisms.Sha256Pkcs.Sign(small.ExportPkcs8PrivateKey(), [1])).Reason);
        Assert.Equal(MechanismError.KeyTypeInconsistent,
            Assert.Throws<MechanismException>(() => RsaMechanisms.Sha256Pkcs.Sign(ec.ExportPkcs8PrivateKey(), [1])).Reason);
        Assert.Equal(MechanismError.KeyTypeInconsistent,
            Assert.Throws<MechanismException>(() => RsaMechanisms.Sha256Pkcs.Verify(key.PrivateKey, [1], new byte[256])).Reason);
    }
}
