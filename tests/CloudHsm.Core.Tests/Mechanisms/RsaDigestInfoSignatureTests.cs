using System.Security.Cryptography;
using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Tests.Mechanisms;

/// <summary>CKM_RSA_PKCS signing over a caller-made DigestInfo, checked by openssl and by the hashing mechanisms.</summary>
public sealed class RsaDigestInfoSignatureTests(OpenSslRsaKeyFixture key) : IClassFixture<OpenSslRsaKeyFixture>
{
    private static readonly ISignatureMechanism Mechanism = RsaMechanisms.Pkcs1OnDigestInfo;

    public static TheoryData<string, MechanismId> Hashes => new()
    {
        { "sha256", MechanismId.Sha256RsaPkcs },
        { "sha384", MechanismId.Sha384RsaPkcs },
        { "sha512", MechanismId.Sha512RsaPkcs },
        { "sha1", MechanismId.Sha1RsaPkcs },
    };

    [Theory]
    [MemberData(nameof(Hashes))]
    public void SignsADigestInfo_AsTheHashingMechanismDoes_AndOpenSslRecoversIt(string hash, MechanismId hashing)
    {
        Assert.True(MechanismRegistry.TryGetSignature(MechanismId.RsaPkcs, out var registered));
        Assert.Same(Mechanism, registered);
        var message = RandomNumberGenerator.GetBytes(120);
        var digestInfo = DigestInfo(hash, message);

        var ours = Mechanism.Sign(key.PrivateKey, digestInfo);

        // openssl opens the signature with the public key and finds the DigestInfo under PKCS#1 type 1 padding.
        key.OpenSsl.Write($"di-{hash}.sig", ours);
        key.OpenSsl.Check("pkeyutl", "-verifyrecover", "-pubin", "-inkey", "pub.pem", "-pkeyopt", "rsa_padding_mode:pkcs1",
            "-in", $"di-{hash}.sig", "-out", $"di-{hash}.recovered");
        Assert.Equal(digestInfo, key.OpenSsl.Read($"di-{hash}.recovered"));
        Assert.True(MechanismRegistry.TryGetSignature(hashing, out var hashThenSign));
        Assert.Equal(hashThenSign.Sign(key.PrivateKey, message), ours); // PKCS#1 v1.5 is deterministic
        Assert.True(Mechanism.Verify(key.PublicKey, digestInfo, ours));
        Assert.Equal(hash != "sha1", Mechanism.ApprovedFor(digestInfo)); // SHA-1 signing needs the non-FIPS switch
        using (var loaded = LoadedKey.FromRsaPrivateKey(key.PrivateKey))
        {
            Assert.True(((ILoadedKeySignature)Mechanism).Accepts(loaded));
            Assert.Equal(ours, ((ILoadedKeySignature)Mechanism).Sign(loaded, digestInfo));
        }
        ours[7] ^= 1;
        Assert.False(Mechanism.Verify(key.PublicKey, digestInfo, ours));
    }

    [Fact]
    public void RefusesWhatIsNotTheDigestInfoOfAKnownHash()
    {
        var message = RandomNumberGenerator.GetBytes(10);
        var sha256 = DigestInfo("sha256", message);
        byte[][] refused =
        [
            SHA256.HashData(message),                    // a bare digest
            sha256[..^1],                                // one byte short
            [.. sha256, 0],                              // one byte long
            RandomNumberGenerator.GetBytes(sha256.Length),
            [],
        ];
        foreach (var data in refused)
        {
            var e = Assert.Throws<MechanismException>(() => Mechanism.Sign(key.PrivateKey, data));
            Assert.Equal(MechanismError.DataLenRange, e.Reason);
            Assert.Throws<MechanismException>(() => Mechanism.Verify(key.PublicKey, data, new byte[256]));
        }
    }

    /// <summary>The DER DigestInfo of the message's hash, as libp11 and GnuTLS build it.</summary>
    private static byte[] DigestInfo(string hash, byte[] message)
    {
        var (oid, digest) = hash switch
        {
            "sha1" => ("1.3.14.3.2.26", SHA1.HashData(message)),
            "sha256" => ("2.16.840.1.101.3.4.2.1", SHA256.HashData(message)),
            "sha384" => ("2.16.840.1.101.3.4.2.2", SHA384.HashData(message)),
            _ => ("2.16.840.1.101.3.4.2.3", SHA512.HashData(message)),
        };
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(oid);
                writer.WriteNull();
            }
            writer.WriteOctetString(digest);
        }
        return writer.Encode();
    }
}
