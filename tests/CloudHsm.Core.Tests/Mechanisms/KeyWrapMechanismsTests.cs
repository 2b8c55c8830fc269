using System.Security.Cryptography;
using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Tests.Mechanisms;

public sealed class KeyWrapMechanismsTests
{
    private static readonly byte[] Kek = Convert.FromHexString("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");

    [Theory]
    [InlineData(24, 8)]
    [InlineData(21, 3)]
    [InlineData(16, 8)]
    public void Pkcs7Wrap_IsRfc3394OfThePaddedKey_AndUnwrapsBack(int length, int pad)
    {
        var key = RandomNumberGenerator.GetBytes(length);
        var padded = key.Concat(Enumerable.Repeat((byte)pad, pad)).ToArray();

        var wrapped = KeyWrapMechanisms.Wrap(MechanismId.AesKeyWrapPkcs7, Kek, key, WrapParameters.Default);

        Assert.Equal(AesKeyWrap.Wrap(Kek, padded), wrapped);
        Assert.True(KeyWrapMechanisms.TryUnwrap(MechanismId.AesKeyWrapPkcs7, Kek, wrapped, WrapParameters.Default, out var back));
        Assert.Equal(key, back);
    }

    [Fact]
    public void Pkcs7Unwrap_RefusesAKeyWhosePaddingIsWrong()
    {
        // RFC 3394 of 16 bytes that do not end in valid PKCS#7 padding (last byte 0x11 > 8).
        var notPadded = Enumerable.Repeat((byte)0x11, 16).ToArray();
        var wrapped = AesKeyWrap.Wrap(Kek, notPadded);

        Assert.False(KeyWrapMechanisms.TryUnwrap(MechanismId.AesKeyWrapPkcs7, Kek, wrapped, WrapParameters.Default, out _));
    }

    [Fact]
    public void KwpIsTheSameMechanismAsAesKeyWrapPad()
    {
        var key = RandomNumberGenerator.GetBytes(21);
        var wrapped = KeyWrapMechanisms.Wrap(MechanismId.AesKeyWrapKwp, Kek, key, WrapParameters.Default);

        Assert.Equal(AesKeyWrap.WrapWithPadding(Kek, key), wrapped);
        Assert.True(KeyWrapMechanisms.TryUnwrap(MechanismId.AesKeyWrapPad, Kek, wrapped, WrapParameters.Default, out var back));
        Assert.Equal(key, back);
    }
}
