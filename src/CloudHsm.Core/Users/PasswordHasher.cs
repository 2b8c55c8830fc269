using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CloudHsm.Core.Users;

/// <summary>
/// PBKDF2-HMAC-SHA256 password hashes with a per-user salt, compared in constant time.
/// The encoded form is <c>version(1) | iterations(4) | salt(16) | hash(32)</c>; it is only ever
/// stored sealed.
/// </summary>
public static class PasswordHasher
{
    public const int MinimumIterations = 600_000;
    private const byte Version = 1;
    private const int SaltLength = 16;
    private const int HashLength = 32;
    public const int EncodedLength = 1 + 4 + SaltLength + HashLength;

    /// <summary>Hashes a password under a fresh random salt.</summary>
    public static byte[] Hash(ReadOnlySpan<char> password, int iterations = MinimumIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinimumIterations);
        var encoded = new byte[EncodedLength];
        encoded[0] = Version;
        BinaryPrimitives.WriteInt32BigEndian(encoded.AsSpan(1, 4), iterations);
        var salt = encoded.AsSpan(5, SaltLength);
        RandomNumberGenerator.Fill(salt);
        Rfc2898DeriveBytes.Pbkdf2(password, salt, encoded.AsSpan(5 + SaltLength, HashLength), iterations, HashAlgorithmName.SHA256);
        return encoded;
    }

    /// <summary>True when the password matches the encoded hash; the comparison is constant-time.</summary>
    public static bool Verify(ReadOnlySpan<char> password, ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length != EncodedLength || encoded[0] != Version) return false;
        var iterations = BinaryPrimitives.ReadInt32BigEndian(encoded.Slice(1, 4));
        if (iterations < MinimumIterations) return false;
        Span<byte> actual = stackalloc byte[HashLength];
        try
        {
            Rfc2898DeriveBytes.Pbkdf2(password, encoded.Slice(5, SaltLength), actual, iterations, HashAlgorithmName.SHA256);
            return CryptographicOperations.FixedTimeEquals(actual, encoded.Slice(5 + SaltLength, HashLength));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(actual);
        }
    }
}
