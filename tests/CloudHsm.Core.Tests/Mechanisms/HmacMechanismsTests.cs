using System.Text;
using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Tests.Mechanisms;

public class HmacMechanismsTests
{
    private static readonly byte[] Key1 = Enumerable.Repeat((byte)0x0b, 20).ToArray();
    private static readonly byte[] Data1 = Encoding.ASCII.GetBytes("Hi There");
    private static readonly byte[] Key2 = Encoding.ASCII.GetBytes("Jefe");
    private static readonly byte[] Data2 = Encoding.ASCII.GetBytes("what do ya want for nothing?");
    private static readonly byte[] Key4 = Enumerable.Range(1, 25).Select(i => (byte)i).ToArray();
    private static readonly byte[] Data4 = Enumerable.Repeat((byte)0xcd, 50).ToArray();

    /// <summary>RFC 4231 section 4: test case number, mechanism, HMAC.</summary>
    public static readonly TheoryData<int, MechanismId, string> Rfc4231 = new()
    {
        { 1, MechanismId.Sha224Hmac, "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22" },
        { 1, MechanismId.Sha256Hmac, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
        { 1, MechanismId.Sha384Hmac, "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6" },
        { 1, MechanismId.Sha512Hmac, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
        { 2, MechanismId.Sha224Hmac, "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44" },
        { 2, MechanismId.Sha256Hmac, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
        { 2, MechanismId.Sha384Hmac, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649" },
        { 2, MechanismId.Sha512Hmac, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
        { 4, MechanismId.Sha224Hmac, "6c11506874013cac6a2abc1bb382627cec6a90d86efc012de7afec5a" },
        { 4, MechanismId.Sha256Hmac, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
        { 4, MechanismId.Sha384Hmac, "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb" },
        { 4, MechanismId.Sha512Hmac, "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
    };

    [Theory]
    [MemberData(nameof(Rfc4231))]
    public void Rfc4231Vectors(int testCase, MechanismId id, string expected)
    {
        var (key, data) = testCase switch { 1 => (Key1, Data1), 2 => (Key2, Data2), _ => (Key4, Data4) };
        Assert.True(MechanismRegistry.TryGetSignature(id, out var hmac));

        Assert.Equal(expected, Convert.ToHexStringLower(hmac.Sign(key, data)));
        Assert.True(hmac.Verify(key, data, Convert.FromHexString(expected)));
    }

    [Fact]
    public void Sha224_KeyLongerThanABlock_Rfc4231TestCase6()
    {
        var key = Enumerable.Repeat((byte)0xaa, 131).ToArray();
        var data = Encoding.ASCII.GetBytes("Test Using Larger Than Block-Size Key - Hash Key First");

        Assert.Equal("95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e", Convert.ToHexStringLower(HmacMechanisms.Sha224.Sign(key, data)));
    }

    [Fact]
    public void VerifyOfAlteredOrTruncatedMac_Fails()
    {
        var mac = HmacMechanisms.Sha256.Sign(Key2, Data2);
        var altered = (byte[])mac.Clone();
        altered[5] ^= 0x20;

        Assert.False(HmacMechanisms.Sha256.Verify(Key2, Data2, altered));
        Assert.False(HmacMechanisms.Sha256.Verify(Key2, Data2, mac.AsSpan(0, 16)));
        Assert.False(HmacMechanisms.Sha256.Verify(Key1, Data2, mac));
    }

    [Fact]
    public void EmptyOrOversizedKey_IsAKeySizeError()
    {
        Assert.Equal(MechanismError.KeySizeRange, Assert.Throws<MechanismException>(() => HmacMechanisms.Sha512.Sign([], Data1)).Reason);
        Assert.Throws<MechanismException>(() => HmacMechanisms.Sha512.Sign(new byte[801], Data1));
    }
}
