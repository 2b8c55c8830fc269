using System.Security.Cryptography;
using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Tests.Mechanisms;

public class AesKeyWrapTests
{
    private const string Kek128 = "000102030405060708090A0B0C0D0E0F";
    private const string Kek192 = Kek128 + "1011121314151617";
    private const string Kek256 = Kek128 + "101112131415161718191A1B1C1D1E1F";
    private const string RfcKek5649 = "5840DF6E29B02AF1AB493B705BF16EA1AE8338F4DCC176A8";

    public static readonly TheoryData<int> KekLengths = new(16, 24, 32);

    [Theory]
    [InlineData(Kek128, "00112233445566778899AABBCCDDEEFF", "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")] // RFC 3394 4.1
    [InlineData(Kek192, "00112233445566778899AABBCCDDEEFF", "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D")] // RFC 3394 4.2
    [InlineData(Kek256, "00112233445566778899AABBCCDDEEFF", "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7")] // RFC 3394 4.3
    [InlineData(Kek192, "00112233445566778899AABBCCDDEEFF0001020304050607", "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2")] // RFC 3394 4.4
    [InlineData(Kek256, "00112233445566778899AABBCCDDEEFF0001020304050607", "A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1")] // RFC 3394 4.5
    [InlineData(Kek256, "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F", "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21")] // RFC 3394 4.6
    public void Rfc3394Section4Vectors(string kek, string keyData, string wrapped)
    {
        var kekBytes = Convert.FromHexString(kek);

        Assert.Equal(wrapped, Convert.ToHexString(AesKeyWrap.Wrap(kekBytes, Convert.FromHexString(keyData))));
        Assert.True(AesKeyWrap.TryUnwrap(kekBytes, Convert.FromHexString(wrapped), out var opened));
        Assert.Equal(keyData, Convert.ToHexString(opened));
    }

    [Theory]
    [InlineData("C37B7E6492584340BED12207808941155068F738", "138BDEAA9B8FA7FC61F97742E72248EE5AE6AE5360D1AE6A5F54F373FA543B6A")]
    [InlineData("466F7250617369", "AFBEB0F07DFBF5419200F2CCB50BB24F")]
    public void Rfc5649Section6Vectors(string keyData, string wrapped)
    {
        var kek = Convert.FromHexString(RfcKek5649);

        Assert.Equal(wrapped, Convert.ToHexString(AesKeyWrap.WrapWithPadding(kek, Convert.FromHexString(keyData))));
        Assert.True(AesKeyWrap.TryUnwrapWithPadding(kek, Convert.FromHexString(wrapped), out var opened));
        Assert.Equal(keyData, Convert.ToHexString(opened));
    }

    [Theory]
    [MemberData(nameof(KekLengths))]
    public void RoundTrip_Unpadded_16To64Bytes(int kekLength)
    {
        var kek = RandomNumberGenerator.GetBytes(kekLength);
        for (var length = 16; length <= 64; length += 8)
        {
            var keyData = RandomNumberGenerator.GetBytes(length);
            var wrapped = AesKeyWrap.Wrap(kek, keyData);

            Assert.Equal(length + 8, wrapped.Length);
            Assert.True(AesKeyWrap.TryUnwrap(kek, wrapped, out var opened));
            Assert.Equal(keyData, opened);
        }
    }

    [Theory]
    [MemberData(nameof(KekLengths))]
    public void RoundTrip_Padded_1To100Bytes(int kekLength)
    {
        var kek = RandomNumberGenerator.GetBytes(kekLength);
        for (var length = 1; length <= 100; length++)
        {
            var keyData = RandomNumberGenerator.GetBytes(length);
            var wrapped = AesKeyWrap.WrapWithPadding(kek, keyData);

            Assert.Equal((length + 7) / 8 * 8 + 8, wrapped.Length);
            Assert.True(AesKeyWrap.TryUnwrapWithPadding(kek, wrapped, out var opened));
            Assert.Equal(keyData, opened);
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(40)]
    public void UnwrapOfAnyFlippedByte_Fails(int length)
    {
        var kek = RandomNumberGenerator.GetBytes(32);
        var keyData = RandomNumberGenerator.GetBytes(length);
        var wrapped = AesKeyWrap.Wrap(kek, keyData);
        var padded = AesKeyWrap.WrapWithPadding(kek, keyData.AsSpan(3));

        for (var i = 0; i < wrapped.Length; i++)
        {
            Assert.False(AesKeyWrap.TryUnwrap(kek, Flip(wrapped, i), out var opened));
            Assert.Empty(opened);
        }
        for (var i = 0; i < padded.Length; i++)
        {
            Assert.False(AesKeyWrap.TryUnwrapWithPadding(kek, Flip(padded, i), out var opened));
            Assert.Empty(opened);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(24)]
    public void UnwrapWithWrongKek_Fails(int length)
    {
        var kek = RandomNumberGenerator.GetBytes(32);
        var otherKek = RandomNumberGenerator.GetBytes(32);
        var keyData = RandomNumberGenerator.GetBytes(length);

        Assert.False(AesKeyWrap.TryUnwrapWithPadding(otherKek, AesKeyWrap.WrapWithPadding(kek, keyData), out _));
        if (length >= 16)
        {
            Assert.False(AesKeyWrap.TryUnwrap(otherKek, AesKeyWrap.Wrap(kek, keyData), out _));
        }
    }

    [Fact]
    public void UnwrapWithTheOtherVariant_Fails()
    {
        var kek = RandomNumberGenerator.GetBytes(16);
        var keyData = RandomNumberGenerator.GetBytes(32);

        Assert.False(AesKeyWrap.TryUnwrapWithPadding(kek, AesKeyWrap.Wrap(kek, keyData), out _));
        Assert.False(AesKeyWrap.TryUnwrap(kek, AesKeyWrap.WrapWithPadding(kek, keyData), out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(23)]
    [InlineData(25)]
    [InlineData(41)]
    public void UnwrapOfMalformedLength_IsFalseNotAnException(int length)
    {
        var kek = RandomNumberGenerator.GetBytes(16);
        var wrapped = new byte[length];

        Assert.False(AesKeyWrap.TryUnwrap(kek, wrapped, out var opened));
        Assert.Empty(opened);
        Assert.False(AesKeyWrap.TryUnwrapWithPadding(kek, wrapped, out opened));
        Assert.Empty(opened);
    }

    [Theory]
    [InlineData("00000005", "0102030405FF0000")] // padding byte not zero
    [InlineData("00000000", "0000000000000000")] // declared length zero
    [InlineData("00000009", "0102030405060708")] // declared length beyond the data
    public void PaddedUnwrap_RefusesBadLengthOrPadding(string declaredLength, string semiblock)
    {
        var kek = RandomNumberGenerator.GetBytes(16);
        using var aes = Aes.Create();
        aes.Key = kek;
        var wrapped = aes.EncryptEcb(Convert.FromHexString("A65959A6" + declaredLength + semiblock), PaddingMode.None);

        Assert.False(AesKeyWrap.TryUnwrapWithPadding(kek, wrapped, out var opened));
        Assert.Empty(opened);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(15)]
    [InlineData(17)]
    public void WrapOfBadKeyDataLength_Throws(int length)
    {
        var kek = RandomNumberGenerator.GetBytes(16);

        Assert.Throws<ArgumentException>(() => AesKeyWrap.Wrap(kek, new byte[length]));
    }

    [Fact]
    public void WrapWithPaddingOfNothing_Throws()
    {
        Assert.Throws<ArgumentException>(() => AesKeyWrap.WrapWithPadding(new byte[16], []));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(20)]
    [InlineData(64)]
    public void WrongKekLength_Throws(int kekLength)
    {
        var kek = new byte[kekLength];

        Assert.Throws<ArgumentException>(() => AesKeyWrap.Wrap(kek, new byte[16]));
        Assert.Throws<ArgumentException>(() => AesKeyWrap.WrapWithPadding(kek, new byte[1]));
        Assert.Throws<ArgumentException>(() => AesKeyWrap.TryUnwrap(kek, new byte[24], out _));
        Assert.Throws<ArgumentException>(() => AesKeyWrap.TryUnwrapWithPadding(kek, new byte[16], out _));
    }

    private static byte[] Flip(byte[] data, int index)
    {
        var copy = (byte[])data.Clone();
        copy[index] ^= 0x01;
        return copy;
    }
}
