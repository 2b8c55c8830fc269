using System.Buffers.Text;
using System.Security.Cryptography;

namespace CloudHsm.Client.Resilience;

/// <summary>
/// A client's id for one logical call (<see cref="Protocol.WireNames.RequestIdHeader"/>, the wire's
/// request_id): made once per call and sent unchanged on every retry of it, so that the cluster applies
/// a retried write once and answers the retry with the first outcome.
/// </summary>
public static class RequestId
{
    public const int MaxLength = 64;

    /// <summary>A fresh id: 128 random bits as 22 base64url characters ([A-Za-z0-9_-]).</summary>
    public static string New()
    {
        Span<byte> bits = stackalloc byte[16];
        RandomNumberGenerator.Fill(bits);
        return Base64Url.EncodeToString(bits);
    }

    /// <summary>True for 1-64 characters of [A-Za-z0-9._-], the contract's form.</summary>
    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxLength) return false;
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')) return false;
        }
        return true;
    }
}
