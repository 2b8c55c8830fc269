using System.Security.Cryptography;
using System.Text;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Users;
using CloudHsm.Protocol;
using Google.Protobuf;
using Grpc.Core;

namespace CloudHsm.Node.Services;

/// <summary>Helpers every service uses: who is calling, and the conversions at the wire edge.</summary>
internal static class CallContext
{
    public const int MaxPasswordBytes = 128;

    public static LoginContext? OptionalLogin(this ServerCallContext context, SessionRegistry sessions)
    {
        var header = context.RequestHeaders.GetValue(WireNames.AuthorizationHeader);
        if (header is null) return null;
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal)) return null;
        return sessions.Resolve(header["Bearer ".Length..]);
    }

    public static LoginContext RequireLogin(this ServerCallContext context, SessionRegistry sessions) =>
        context.OptionalLogin(sessions)
        ?? throw new HsmException(HsmError.RET_USER_NOT_LOGGED_IN, "Not logged in, or the login expired: log in first (loginHSM).");

    public static string ClientName(this ServerCallContext context)
    {
        var value = context.RequestHeaders.GetValue(WireNames.ClientHeader) ?? "unknown";
        return value.Length > 64 ? value[..64] : value;
    }

    public static UserType ToCore(this Protocol.V1.UserType type) => type switch
    {
        Protocol.V1.UserType.Preco => UserType.PRECO,
        Protocol.V1.UserType.Co => UserType.CO,
        Protocol.V1.UserType.Cu => UserType.CU,
        Protocol.V1.UserType.Au => UserType.AU,
        _ => throw new HsmException(HsmError.RET_INVALID_USER_TYPE, "The user type must be CO, CU, AU or PRECO."),
    };

    public static Protocol.V1.UserType ToWire(this UserType type) => type switch
    {
        UserType.PRECO => Protocol.V1.UserType.Preco,
        UserType.CO => Protocol.V1.UserType.Co,
        UserType.CU => Protocol.V1.UserType.Cu,
        _ => Protocol.V1.UserType.Au,
    };

    public static string RequireName(string name) => UserNames.Validate(name);

    /// <summary>Decodes a password into a char buffer that the caller must wipe with <see cref="Wipe"/>.</summary>
    public static char[] Password(ByteString bytes)
    {
        if (bytes.Length == 0 || bytes.Length > MaxPasswordBytes)
        {
            throw new HsmException(HsmError.RET_INVALID_PASSWORD_POLICY, "A password must be given, and be at most 32 characters long.");
        }
        try
        {
            var encoding = new UTF8Encoding(false, true);
            var chars = new char[encoding.GetCharCount(bytes.Span)];
            encoding.GetChars(bytes.Span, chars);
            return chars;
        }
        catch (DecoderFallbackException)
        {
            throw new HsmException(HsmError.RET_INVALID_PASSWORD_POLICY, "The password is not valid UTF-8.");
        }
        finally
        {
            WipeMessageBytes(bytes);
        }
    }

    /// <summary>Runs <paramref name="action"/> with the decoded password, and wipes it afterwards whatever happens.</summary>
    public static async Task<T> WithPasswordAsync<T>(ByteString bytes, Func<ReadOnlyMemory<char>, ValueTask<T>> action)
    {
        var password = Password(bytes);
        try
        {
            return await action(password);
        }
        finally
        {
            Wipe(password);
        }
    }

    public static Task<bool> WithPasswordAsync(ByteString bytes, Func<ReadOnlyMemory<char>, ValueTask> action) =>
        WithPasswordAsync(bytes, async password =>
        {
            await action(password);
            return true;
        });

    public static void Wipe(char[] secret) => CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(secret.AsSpan()));

    /// <summary>Best effort: clears the request's copy of a secret once it was read.</summary>
    private static void WipeMessageBytes(ByteString bytes)
    {
        if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes.Memory, out var segment) && segment.Array is not null)
        {
            CryptographicOperations.ZeroMemory(segment.AsSpan());
        }
    }
}
