using System.Security.Cryptography;
using CloudHsm.Core.Sealing;
using CloudHsm.Storage.Tests.Support;

namespace CloudHsm.Storage.Tests;

/// <summary>keyring.sealed holds the domain secret under the node master key; only that key opens it.</summary>
public sealed class NodeKeyringTests : IDisposable
{
    private static readonly byte[] Probe = "probe"u8.ToArray();
    private readonly TempDataDirectory _data = new();
    private readonly byte[] _masterKey = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void SameMasterKey_OpensTheSameDomainSecret()
    {
        using var created = NodeKeyring.Open(_data.Path, _masterKey, create: true);
        using var reopened = NodeKeyring.Open(_data.Path, _masterKey, create: false);

        Assert.Equal(Probe, reopened.Records.Unseal(created.Records.Seal(Probe, "p"), "p"));
    }

    [Fact]
    public void WrongMasterKey_DoesNotOpenTheKeyring()
    {
        NodeKeyring.Open(_data.Path, _masterKey, create: true).Dispose();

        Assert.Throws<DataDirectoryException>(() => NodeKeyring.Open(_data.Path, RandomNumberGenerator.GetBytes(32), create: false));
        Assert.Throws<DataDirectoryException>(() => NodeKeyring.Open(_data.Path, RandomNumberGenerator.GetBytes(32), create: true));
    }

    [Fact]
    public void EditedKeyring_DoesNotOpen()
    {
        NodeKeyring.Open(_data.Path, _masterKey, create: true).Dispose();
        var path = _data.File(NodeKeyring.FileName);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        Assert.Throws<DataDirectoryException>(() => NodeKeyring.Open(_data.Path, _masterKey, create: false));
    }

    [Fact]
    public void MissingKeyring_IsNotMadeUnlessAsked()
    {
        Assert.Throws<DataDirectoryException>(() => NodeKeyring.Open(_data.Path, _masterKey, create: false));
        Assert.False(File.Exists(_data.File(NodeKeyring.FileName)));
    }

    [Fact]
    public void Replace_MakesANewDomainSecret()
    {
        using var first = NodeKeyring.Open(_data.Path, _masterKey, create: true);
        var blob = first.Records.Seal(Probe, "p");

        using var replaced = NodeKeyring.Replace(_data.Path, _masterKey);
        using var reopened = NodeKeyring.Open(_data.Path, _masterKey, create: false);

        Assert.False(replaced.Records.TryUnseal(blob, "p", out _));
        Assert.Equal(Probe, reopened.Records.Unseal(replaced.Records.Seal(Probe, "p"), "p"));
    }

    public void Dispose() => _data.Dispose();
}
