using System.Text;
using CloudHsm.Core.Mechanisms;

namespace CloudHsm.Core.Tests.Mechanisms;

public class DigestMechanismsTests
{
    /// <summary>FIPS 180-4 examples (NIST CSRC "abc" one-block messages).</summary>
    [Theory]
    [InlineData(MechanismId.Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData(MechanismId.Sha224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")]
    [InlineData(MechanismId.Sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData(MechanismId.Sha384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")]
    [InlineData(MechanismId.Sha512, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")]
    public void Fips180AbcVectors(MechanismId id, string expected)
    {
        Assert.True(MechanismRegistry.TryGetDigest(id, out var digest));

        var output = digest.Digest(Encoding.ASCII.GetBytes("abc"));

        Assert.Equal(expected, Convert.ToHexStringLower(output));
        Assert.Equal(digest.Length, output.Length);
        Assert.True(digest.Approved);
    }

    [Fact]
    public void Sha224_TwoBlockMessage()
    {
        var message = Encoding.ASCII.GetBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");

        Assert.Equal("75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
            Convert.ToHexStringLower(DigestMechanisms.Sha224.Digest(message)));
    }
}
