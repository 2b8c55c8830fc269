using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using CloudHsm.Client;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>
/// C_SetPIN (the logged-in user changes its own password) and C_InitPIN (a logged-in CO, CKU_SO,
/// sets a CU's password, as Azure's changePswd lets a CO do). Every PIN buffer copied here is wiped
/// before the function returns.
/// </summary>
internal static unsafe class Pins
{
    /// <summary>The partition's longest password (PasswordPolicy.MaxLength on the node).</summary>
    private const int MaxPasswordLength = 32;

    /// <summary>
    /// Old and new PIN are each "password" or "name:password" with the logged-in user's name (a
    /// password never holds ':'). The old password is checked by a login of its own on a separate
    /// connection (a wrong one is CKR_PIN_INCORRECT and counts as a failed login, so C_SetPIN is no
    /// way around the lockout), then the node changes the password; the application's login stays.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "C_SetPIN")]
    public static ulong C_SetPIN(ulong hSession, byte* pOldPin, ulong ulOldLen, byte* pNewPin, ulong ulNewLen)
    {
        byte[]? oldPin = null, newPin = null;
        try
        {
            var module = Pkcs11Module.Current;
            var session = module.Session(hSession);
            Native.Required(pOldPin);
            Native.Required(pNewPin);
            oldPin = Native.In(pOldPin, ulOldLen).ToArray();
            newPin = Native.In(pNewPin, ulNewLen).ToArray();
            if (module.LoggedInAs is null) throw new CkException(Ckr.USER_NOT_LOGGED_IN);
            if (!session.ReadWrite) throw new CkException(Ckr.SESSION_READ_ONLY);
            var (type, name) = WhoIsLoggedIn(module.Transport);
            var oldPassword = OwnPassword(oldPin, name, Ckr.PIN_INCORRECT);
            var newPassword = OwnPassword(newPin, name, Ckr.PIN_INVALID);
            if (newPassword.IsEmpty) throw new CkException(Ckr.PIN_LEN_RANGE);
            CheckPassword(module.Config, type, name, oldPassword);
            ChangePassword(module, type, name, newPassword);
            module.OwnPasswordChanged(newPassword);
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
        finally
        {
            Wipe(oldPin);
            Wipe(newPin);
        }
    }

    /// <summary>
    /// CKU_SO (a CO) sets the password of the CU the PIN "name:password" names; the node ends that
    /// CU's logins. Not a CO: CKR_USER_NOT_LOGGED_IN. No such CU: CKR_PIN_INVALID.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "C_InitPIN")]
    public static ulong C_InitPIN(ulong hSession, byte* pPin, ulong ulPinLen)
    {
        byte[]? pin = null;
        try
        {
            var module = Pkcs11Module.Current;
            var session = module.Session(hSession);
            Native.Required(pPin);
            pin = Native.In(pPin, ulPinLen).ToArray();
            if (module.LoggedInAs != Cku.SO) throw new CkException(Ckr.USER_NOT_LOGGED_IN);
            if (!session.ReadWrite) throw new CkException(Ckr.SESSION_READ_ONLY);
            var colon = Array.IndexOf(pin, (byte)':');
            if (colon <= 0) throw new CkException(Ckr.PIN_INVALID);
            var password = pin.AsSpan(colon + 1);
            if (password.IsEmpty) throw new CkException(Ckr.PIN_LEN_RANGE);
            ChangePassword(module, UserType.Cu, Encoding.UTF8.GetString(pin, 0, colon), password);
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
        finally
        {
            Wipe(pin);
        }
    }

    /// <summary>The node's view of the application's login: its user type and name.</summary>
    private static (UserType Type, string Name) WhoIsLoggedIn(IModuleTransport transport)
    {
        var handle = transport.Call(NodeMethods.OpenSession, new Empty(), SessionReply.Parser).Handle;
        try
        {
            var info = transport.Call(NodeMethods.GetSessionInfo, new SessionRequest { Handle = handle }, SessionInfo.Parser);
            return (info.Type, info.Name);
        }
        finally
        {
            try
            {
                transport.Call(NodeMethods.CloseSession, new SessionRequest { Handle = handle }, Empty.Parser);
            }
            catch (HsmClientException)
            {
                // the node drops the login's sessions with it
            }
        }
    }

    /// <summary>The password of a PIN that is "password" or "name:password" with the logged-in user's name (else <paramref name="wrongName"/>).</summary>
    private static ReadOnlySpan<byte> OwnPassword(byte[] pin, string name, ulong wrongName)
    {
        var colon = Array.IndexOf(pin, (byte)':');
        if (colon < 0) return pin;
        if (Encoding.UTF8.GetString(pin, 0, colon) != name) throw new CkException(wrongName);
        return pin.AsSpan(colon + 1);
    }

    /// <summary>Checks a password by logging in with it on a connection of its own, then logging that login out.</summary>
    private static void CheckPassword(ClientConfig config, UserType type, string name, ReadOnlySpan<byte> password)
    {
        var request = new LoginRequest { Type = type, Name = name, Password = ByteString.CopyFrom(password) };
        using var connection = General.NewTransport(config, Pkcs11Module.Current.Log);
        try
        {
            connection.AuthorizationToken = connection.Call(NodeMethods.Login, request, LoginReply.Parser).Token;
            connection.Call(NodeMethods.Logout, new Empty(), Empty.Parser);
        }
        catch (HsmClientException e) when (e.ErrorName == "RET_USER_NOT_FOUND")
        {
            throw new CkException(Ckr.PIN_INCORRECT);
        }
        finally
        {
            Wipe(request.Password);
        }
    }

    /// <summary>The node's password change; a password the policy refuses is CKR_PIN_LEN_RANGE (length) or CKR_PIN_INVALID (anything else).</summary>
    private static void ChangePassword(Pkcs11Module module, UserType type, string name, ReadOnlySpan<byte> password)
    {
        var request = new ChangePasswordRequest { Type = type, Name = name, NewPassword = ByteString.CopyFrom(password) };
        try
        {
            module.Transport.Call(NodeMethods.ChangePassword, request, Empty.Parser);
        }
        catch (HsmClientException e) when (e.ErrorName == "RET_INVALID_PASSWORD_POLICY")
        {
            throw new CkException(OutsideLengthRange(module.Transport, password) ? Ckr.PIN_LEN_RANGE : Ckr.PIN_INVALID);
        }
        catch (HsmClientException e) when (e.ErrorName is "RET_USER_NOT_FOUND" or "RET_INVALID_USER_NAME" or "RET_INVALID_USER_TYPE")
        {
            throw new CkException(Ckr.PIN_INVALID);
        }
        finally
        {
            Wipe(request.NewPassword);
        }
    }

    private static bool OutsideLengthRange(IModuleTransport transport, ReadOnlySpan<byte> password)
    {
        var characters = Encoding.UTF8.GetCharCount(password);
        if (characters > MaxPasswordLength) return true;
        try
        {
            return characters < transport.Call(NodeMethods.GetPartitionInfo, new Empty(), PartitionInfo.Parser).MinPasswordLength;
        }
        catch (HsmClientException)
        {
            return false;
        }
    }

    private static void Wipe(byte[]? buffer)
    {
        if (buffer is not null) CryptographicOperations.ZeroMemory(buffer);
    }

    /// <summary>Best effort: clears a request's copy of a secret (the bytes a ByteString holds).</summary>
    private static void Wipe(ByteString bytes)
    {
        if (MemoryMarshal.TryGetArray(bytes.Memory, out var segment) && segment.Array is not null) CryptographicOperations.ZeroMemory(segment.AsSpan());
    }
}
