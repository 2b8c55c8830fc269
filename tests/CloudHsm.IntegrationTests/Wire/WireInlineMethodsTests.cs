using CloudHsm.Node.Wire;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Wire;

/// <summary>
/// The wire methods run on the socket thread (inline) are real methods of the API, and none of them
/// can block that thread for long: a typo would quietly send a hot call to the pool, and a write or
/// a password hash run inline would stall every connection served by the same socket thread.
/// </summary>
public sealed class WireInlineMethodsTests
{
    private static readonly string[] AllMethods =
        [.. new[] { Crypto.Descriptor, Protocol.V1.Keys.Descriptor, Protocol.V1.Partition.Descriptor, Protocol.V1.Users.Descriptor }
            .SelectMany(s => s.Methods).Select(m => $"/{m.Service.FullName}/{m.Name}")];

    [Fact]
    public void EveryInlineMethodIsAMethodOfTheApi()
    {
        Assert.NotEmpty(WireMethodTable.InlineMethods);
        Assert.All(WireMethodTable.InlineMethods, m => Assert.Contains(m, AllMethods));
    }

    [Theory]
    [InlineData("/cloudhsm.v1.Users/Login")]
    [InlineData("/cloudhsm.v1.Users/CreateUser")]
    [InlineData("/cloudhsm.v1.Users/ChangePassword")]
    [InlineData("/cloudhsm.v1.Keys/GenerateKey")]
    [InlineData("/cloudhsm.v1.Keys/GenerateKeyPair")]
    [InlineData("/cloudhsm.v1.Keys/SetAttribute")]
    [InlineData("/cloudhsm.v1.Keys/DeleteKey")]
    [InlineData("/cloudhsm.v1.Keys/FindKeys")]
    [InlineData("/cloudhsm.v1.Keys/UnwrapKey")]
    [InlineData("/cloudhsm.v1.Partition/Zeroize")]
    public void WritesSearchesAndPasswordsRunOnThePool(string method)
    {
        Assert.Contains(method, AllMethods);
        Assert.False(WireMethodTable.InlineMethods.Contains(method), $"{method} would run on the socket thread");
    }
}
