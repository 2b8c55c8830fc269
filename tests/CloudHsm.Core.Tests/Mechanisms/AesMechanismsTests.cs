using System.Security.Cryptography;
using System.Text;
using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Tests.Mechanisms;

public class AesMechanismsTests
{
    private const string GcmKey3 = "feffe9928665731c6d6a8f9467308308";
    private const string GcmIv3 = "cafebabefacedbaddecaf888";
    private const string GcmPlain64 =
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
    private const string GcmPlain60 =
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
    private const string GcmAad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

    private const string Sp80038aKey128 = "2b7e151628aed2a6abf7158809cf4f3c";
    private const string Sp80038aKey256 = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
    private const string Sp80038aPlain =
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" +
        "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

    /// <summary>McGrew and Viega, "The Galois/Counter Mode of Operation", appendix B: key, IV, plaintext, AAD, ciphertext, tag.</summary>
    public static readonly TheoryData<string, string, string, string, string, string, string> GcmVectors = new()
    {
        { "Test Case 2", "00000000000000000000000000000000", "000000000000000000000000", "00000000000000000000000000000000", "",
            "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf" },
        { "Test Case 3", GcmKey3, GcmIv3, GcmPlain64, "",
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
            "4d5c2af327cd64a62cf35abd2ba6fab4" },
        { "Test Case 4", GcmKey3, GcmIv3, GcmPlain60, GcmAad,
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            "5bc94fbc3221a5db94fae95ae7121a47" },
        { "Test Case 14", "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "00000000000000000000000000000000", "",
            "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919" },
        { "Test Case 15", GcmKey3 + GcmKey3, GcmIv3, GcmPlain64, "",
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            "b094dac5d93471bdec1a502270e3cc6c" },
        { "Test Case 16", GcmKey3 + GcmKey3, GcmIv3, GcmPlain60, GcmAad,
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b" },
    };

    [Theory]
    [MemberData(nameof(GcmVectors))]
    public void Gcm_McGrewViegaVectors(string name, string key, string iv, string plain, string aad, string cipher, string tag)
    {
        var parameters = new CipherParameters { Iv = Hex(iv), AssociatedData = Hex(aad) };

        var result = AesMechanisms.Gcm.Encrypt(Hex(key), Hex(plain), parameters);

        Assert.True(cipher + tag == Convert.ToHexStringLower(result.Output), name);
        Assert.Equal(Hex(iv), result.Iv);
        Assert.True(AesMechanisms.Gcm.TryDecrypt(Hex(key), result.Output, parameters, out var opened));
        Assert.Equal(plain, Convert.ToHexStringLower(opened));
    }

    [Fact]
    public void Gcm_ShortTag_IsTheTruncatedFullTag()
    {
        var parameters = new CipherParameters { Iv = Hex(GcmIv3), AssociatedData = Hex(GcmAad), TagLength = 12 };

        var result = AesMechanisms.Gcm.Encrypt(Hex(GcmKey3), Hex(GcmPlain60), parameters);

        Assert.EndsWith("5bc94fbc3221a5db94fae95a", Convert.ToHexStringLower(result.Output), StringComparison.Ordinal);
        Assert.True(AesMechanisms.Gcm.TryDecrypt(Hex(GcmKey3), result.Output, parameters, out _));
    }

    [Fact]
    public void Gcm_WithoutIv_GeneratesAFreshOneAndReturnsIt()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var data = Encoding.UTF8.GetBytes("generated IV");

        var first = AesMechanisms.Gcm.Encrypt(key, data, CipherParameters.None);
        var second = AesMechanisms.Gcm.Encrypt(key, data, CipherParameters.None);

        Assert.Equal(AesMechanisms.GcmNonceLength, first.Iv.Length);
        Assert.NotEqual(first.Iv, second.Iv);
        Assert.True(AesMechanisms.Gcm.TryDecrypt(key, first.Output, new CipherParameters { Iv = first.Iv }, out var opened));
        Assert.Equal(data, opened);
    }

    [Fact]
    public void Gcm_TamperedCiphertextTagOrAad_DecryptsToFalse()
    {
        var key = Hex(GcmKey3);
        var parameters = new CipherParameters { Iv = Hex(GcmIv3), AssociatedData = Hex(GcmAad) };
        var sealedData = AesMechanisms.Gcm.Encrypt(key, Hex(GcmPlain60), parameters).Output;

        foreach (var index in new[] { 0, 30, sealedData.Length - 16, sealedData.Length - 1 })
        {
            var tampered = (byte[])sealedData.Clone();
            tampered[index] ^= 0x01;
            Assert.False(AesMechanisms.Gcm.TryDecrypt(key, tampered, parameters, out var opened));
            Assert.Empty(opened);
        }
        Assert.False(AesMechanisms.Gcm.TryDecrypt(key, sealedData, parameters with { AssociatedData = Hex("00") }, out _));
        Assert.False(AesMechanisms.Gcm.TryDecrypt(key, sealedData.AsSpan(0, 15), parameters, out _));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void Gcm_IvOtherThan12Bytes_IsAParameterError(int ivLength)
    {
        var parameters = new CipherParameters { Iv = new byte[ivLength] };

        var error = Assert.Throws<MechanismException>(() => AesMechanisms.Gcm.Encrypt(new byte[16], [1], parameters));
        Assert.Equal(MechanismError.MechanismParamInvalid, error.Reason);
        Assert.Throws<MechanismException>(() => AesMechanisms.Gcm.TryDecrypt(new byte[16], new byte[32], parameters, out _));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(17)]
    public void Gcm_TagOutside12To16_IsAParameterError(int tagLength)
    {
        var parameters = new CipherParameters { Iv = new byte[12], TagLength = tagLength };

        var error = Assert.Throws<MechanismException>(() => AesMechanisms.Gcm.Encrypt(new byte[16], [1], parameters));
        Assert.Equal(MechanismError.MechanismParamInvalid, error.Reason);
    }

    [Theory]
    [InlineData("F.2.1 CBC-AES128", Sp80038aKey128,
        "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7")]
    [InlineData("F.2.5 CBC-AES256", Sp80038aKey256,
        "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b")]
    public void CbcPad_Sp80038aVectors_ThenOnePaddingBlock(string name, string key, string cipher)
    {
        var parameters = new CipherParameters { Iv = Hex("000102030405060708090a0b0c0d0e0f") };

        var output = AesMechanisms.CbcPad.Encrypt(Hex(key), Hex(Sp80038aPlain), parameters).Output;

        Assert.True(output.Length == 80, name);
        Assert.Equal(cipher, Convert.ToHexStringLower(output.AsSpan(0, 64)));
        // The padding block is a full block of 0x10 chained on the last ciphertext block.
        using var aes = Aes.Create();
        aes.Key = Hex(key);
        var padBlock = aes.EncryptCbc(Enumerable.Repeat((byte)0x10, 16).ToArray(), output.AsSpan(48, 16), PaddingMode.None);
        Assert.Equal(padBlock, output.AsSpan(64).ToArray());
        Assert.True(AesMechanisms.CbcPad.TryDecrypt(Hex(key), output, parameters, out var opened));
        Assert.Equal(Sp80038aPlain, Convert.ToHexStringLower(opened));
    }

    [Fact]
    public void CbcPad_RoundTripsEveryLengthAroundABlock()
    {
        var key = RandomNumberGenerator.GetBytes(24);
        var parameters = new CipherParameters { Iv = RandomNumberGenerator.GetBytes(16) };
        for (var length = 0; length <= 33; length++)
        {
            var data = RandomNumberGenerator.GetBytes(length);
            var output = AesMechanisms.CbcPad.Encrypt(key, data, parameters).Output;
            Assert.Equal((length / 16 + 1) * 16, output.Length);
            Assert.True(AesMechanisms.CbcPad.TryDecrypt(key, output, parameters, out var opened));
            Assert.Equal(data, opened);
        }
    }

    [Fact]
    public void CbcPad_BadPaddingOrLength_DecryptsToFalse()
    {
        var key = Hex(Sp80038aKey128);
        var parameters = new CipherParameters { Iv = new byte[16] };
        var output = AesMechanisms.CbcPad.Encrypt(key, new byte[20], parameters).Output;

        var badPadding = (byte[])output.Clone();
        badPadding[^1] ^= 0xFF;
        Assert.False(AesMechanisms.CbcPad.TryDecrypt(key, badPadding, parameters, out _));
        Assert.False(AesMechanisms.CbcPad.TryDecrypt(key, output.AsSpan(0, 31), parameters, out _));
        Assert.False(AesMechanisms.CbcPad.TryDecrypt(key, [], parameters, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(12)]
    [InlineData(17)]
    public void CbcPad_IvOtherThan16Bytes_IsAParameterError(int ivLength)
    {
        var parameters = new CipherParameters { Iv = new byte[ivLength] };

        var error = Assert.Throws<MechanismException>(() => AesMechanisms.CbcPad.Encrypt(new byte[16], [1], parameters));
        Assert.Equal(MechanismError.MechanismParamInvalid, error.Reason);
    }

    [Fact]
    public void Ctr_Sp80038aF51Vector()
    {
        const string Cipher =
            "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff" +
            "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee";
        var parameters = new CipherParameters { Iv = Hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff") };

        var output = AesMechanisms.Ctr.Encrypt(Hex(Sp80038aKey128), Hex(Sp80038aPlain), parameters).Output;

        Assert.Equal(Cipher, Convert.ToHexStringLower(output));
        Assert.True(AesMechanisms.Ctr.TryDecrypt(Hex(Sp80038aKey128), output, parameters, out var opened));
        Assert.Equal(Sp80038aPlain, Convert.ToHexStringLower(opened));
        // A partial last block uses a prefix of the key stream.
        Assert.Equal(Cipher[..50], Convert.ToHexStringLower(AesMechanisms.Ctr.Encrypt(Hex(Sp80038aKey128), Hex(Sp80038aPlain[..50]), parameters).Output));
    }

    [Fact]
    public void Ctr_CounterThatWouldWrap_IsRefused()
    {
        var iv = Hex("000000000000000000000000fffffffe");
        var parameters = new CipherParameters { Iv = iv, CounterBits = 32 };

        Assert.Equal(32, AesMechanisms.Ctr.Encrypt(new byte[16], new byte[32], parameters).Output.Length);
        var error = Assert.Throws<MechanismException>(() => AesMechanisms.Ctr.Encrypt(new byte[16], new byte[33], parameters));
        Assert.Equal(MechanismError.DataLenRange, error.Reason);
        Assert.Throws<MechanismException>(() => AesMechanisms.Ctr.Encrypt(new byte[16], [1], parameters with { CounterBits = 0 }));
        Assert.Throws<MechanismException>(() => AesMechanisms.Ctr.Encrypt(new byte[16], [1], parameters with { Iv = new byte[12] }));
    }

    [Fact]
    public void KeyWrap_ThroughTheCipherInterface_MatchesRfc3394()
    {
        var kek = Hex("000102030405060708090A0B0C0D0E0F");
        var wrapped = AesMechanisms.KeyWrap.Encrypt(kek, Hex("00112233445566778899AABBCCDDEEFF"), CipherParameters.None).Output;

        Assert.Equal("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5", Convert.ToHexString(wrapped));
        wrapped[3] ^= 1;
        Assert.False(AesMechanisms.KeyWrap.TryDecrypt(kek, wrapped, CipherParameters.None, out _));
        Assert.Equal(MechanismError.DataLenRange,
            Assert.Throws<MechanismException>(() => AesMechanisms.KeyWrap.Encrypt(kek, new byte[12], CipherParameters.None)).Reason);

        var padded = AesMechanisms.KeyWrapPad.Encrypt(kek, [1, 2, 3], CipherParameters.None).Output;
        Assert.True(AesMechanisms.KeyWrapPad.TryDecrypt(kek, padded, CipherParameters.None, out var opened));
        Assert.Equal(new byte[] { 1, 2, 3 }, opened);
    }

    public static readonly TheoryData<MechanismId> AesCiphers = new(
        MechanismId.AesGcm, MechanismId.AesCbcPad, MechanismId.AesCtr, MechanismId.AesKeyWrap, MechanismId.AesKeyWrapPad);

    [Theory]
    [MemberData(nameof(AesCiphers))]
    public void EncryptWithKeyOfWrongLength_IsAKeySizeError(MechanismId id)
    {
        Assert.True(MechanismRegistry.TryGetCipher(id, out var cipher));
        var parameters = id is MechanismId.AesKeyWrap or MechanismId.AesKeyWrapPad ? CipherParameters.None : new CipherParameters { Iv = new byte[id == MechanismId.AesGcm ? 12 : 16] };

        var error = Assert.Throws<MechanismException>(() => cipher.Encrypt(new byte[20], new byte[16], parameters));
        Assert.Equal(MechanismError.KeySizeRange, error.Reason);
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex);
}
