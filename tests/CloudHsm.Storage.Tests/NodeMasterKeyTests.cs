using CloudHsm.Storage.Tests.Support;

namespace CloudHsm.Storage.Tests;

/// <summary>The node master key: a 0600 key file, or a passphrase with its salt in unseal.json; never both.</summary>
public sealed class NodeMasterKeyTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempDataDirectory _data = new();

    [Fact]
    public void KeyFile_IsCreatedOwnerOnly_AndReadBackTheSame()
    {
        var created = NodeMasterKey.Open(_data.Path, new UnsealSource.KeyFile(), create: true);
        var reopened = NodeMasterKey.Open(_data.Path, new UnsealSource.KeyFile(), create: false);

        Assert.Equal(32, created.Length);
        Assert.Equal(created, reopened);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(_data.File(NodeMasterKey.KeyFileName)));
        }
    }

    [Fact]
    public void KeyFileReadableByOthers_IsRefused()
    {
        if (OperatingSystem.IsWindows()) return;
        NodeMasterKey.Open(_data.Path, new UnsealSource.KeyFile(), create: true);
        File.SetUnixFileMode(_data.File(NodeMasterKey.KeyFileName), OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        Assert.Throws<DataDirectoryException>(() => NodeMasterKey.Open(_data.Path, new UnsealSource.KeyFile(), create: false));
    }

    [Fact]
    public void KeyFileOfTheWrongLength_IsRefused()
    {
        NodeMasterKey.Open(_data.Path, new UnsealSource.KeyFile(), create: true);
        SecureFile.WriteAllBytes(_data.File(NodeMasterKey.KeyFileName), new byte[31]);

        Assert.Throws<DataDirectoryException>(() => NodeMasterKey.Open(_data.Path, new UnsealSource.KeyFile(), create: false));
    }

    [Fact]
    public void MissingKeyFile_IsNotMadeUnlessAsked()
    {
        Assert.Throws<DataDirectoryException>(() => NodeMasterKey.Open(_data.Path, new UnsealSource.KeyFile(), create: false));
        Assert.False(File.Exists(_data.File(NodeMasterKey.KeyFileName)));
    }

    [Fact]
    public void Passphrase_DerivesTheSameKeyTwice_AndAnotherPassphraseDoesNot()
    {
        var created = NodeMasterKey.Open(_data.Path, Passphrase("correct horse battery"), create: true);
        var again = NodeMasterKey.Open(_data.Path, Passphrase("correct horse battery"), create: false);
        var other = NodeMasterKey.Open(_data.Path, Passphrase("correct horse battern"), create: false);

        Assert.Equal(32, created.Length);
        Assert.Equal(created, again);
        Assert.NotEqual(created, other);
        Assert.False(File.Exists(_data.File(NodeMasterKey.KeyFileName)));
    }

    [Fact]
    public void KeyFileStart_OfAPassphraseNode_IsRefused()
    {
        NodeMasterKey.Open(_data.Path, Passphrase("correct horse battery"), create: true);

        Assert.Throws<DataDirectoryException>(() => NodeMasterKey.Open(_data.Path, new UnsealSource.KeyFile(), create: true));
        Assert.False(File.Exists(_data.File(NodeMasterKey.KeyFileName)));
    }

    [Fact]
    public void PassphraseStart_OfAKeyFileNode_IsRefused()
    {
        NodeMasterKey.Open(_data.Path, new UnsealSource.KeyFile(), create: true);

        Assert.Throws<DataDirectoryException>(() => NodeMasterKey.Open(_data.Path, Passphrase("correct horse battery"), create: true));
        Assert.False(File.Exists(_data.File(NodeMasterKey.PassphraseFileName)));
    }

    [Fact]
    public void ShortPassphrase_IsRefused()
    {
        Assert.Throws<DataDirectoryException>(() => NodeMasterKey.Open(_data.Path, Passphrase("short-11chr"), create: true));
        Assert.False(File.Exists(_data.File(NodeMasterKey.PassphraseFileName)));
    }

    public void Dispose() => _data.Dispose();

    private static UnsealSource.Passphrase Passphrase(string text) => new(text.ToCharArray());
}
