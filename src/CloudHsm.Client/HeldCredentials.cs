using System.Security.Cryptography;
using System.Text;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.Client;

/// <summary>
/// A login as a client keeps it for logging in again after a node restart or a failover: user type,
/// name, and the password in a pinned array (never moved by the GC, never in a string) that is wiped
/// when the login ends. Used by <see cref="HsmClient"/> and the PKCS#11 module. Not thread-safe: the
/// holder serialises its use.
/// </summary>
public sealed class HeldCredentials : IDisposable
{
    private byte[] _password;
    private bool _disposed;

    private HeldCredentials(UserType type, string name, byte[] password)
    {
        Type = type;
        Name = name;
        _password = password;
    }

    public UserType Type { get; }

    /// <summary>The user name (not a secret; it appears in logs).</summary>
    public string Name { get; }

    /// <summary>Holds <paramref name="password"/> (UTF-8 bytes, copied; the caller wipes its own).</summary>
    public static HeldCredentials Create(UserType type, string name, ReadOnlySpan<byte> password) => new(type, name, Pinned(password));

    /// <summary>Holds <paramref name="password"/> as UTF-8 in the pinned array.</summary>
    public static HeldCredentials Create(UserType type, string name, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var bytes = GC.AllocateArray<byte>(Encoding.UTF8.GetByteCount(password), pinned: true);
        Encoding.UTF8.GetBytes(password, bytes);
        return new HeldCredentials(type, name, bytes);
    }

    /// <summary>Parses the PKCS#11 PIN "name:password" (Azure's convention); null when it has no name before a colon.</summary>
    public static HeldCredentials? FromPin(UserType type, ReadOnlySpan<byte> pin)
    {
        var colon = pin.IndexOf((byte)':');
        if (colon <= 0) return null;
        return new HeldCredentials(type, Encoding.UTF8.GetString(pin[..colon]), Pinned(pin[(colon + 1)..]));
    }

    /// <summary>
    /// The login request. Its password refers to the held array itself (no copy on the heap); the
    /// transport copies it into a buffer it wipes. Use it before the next <see cref="ReplacePassword"/>
    /// or <see cref="Dispose"/>.
    /// </summary>
    public LoginRequest Request()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new LoginRequest { Type = Type, Name = Name, Password = UnsafeByteOperations.UnsafeWrap(_password) };
    }

    /// <summary>Holds <paramref name="password"/> in place of the current one, which is wiped.</summary>
    public void ReplacePassword(ReadOnlySpan<byte> password)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var previous = _password;
        _password = Pinned(password);
        CryptographicOperations.ZeroMemory(previous);
    }

    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_password);
    }

    private static byte[] Pinned(ReadOnlySpan<byte> bytes)
    {
        var copy = GC.AllocateArray<byte>(bytes.Length, pinned: true);
        bytes.CopyTo(copy);
        return copy;
    }
}
