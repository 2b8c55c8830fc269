using System.Runtime.InteropServices;
using System.Text;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>
/// PKCS#11 3.0 interfaces: C_GetInterfaceList and C_GetInterface offer "PKCS 11" 3.0 (the default,
/// first) and 2.40 (the list C_GetFunctionList returns). The 3.0 list is the 2.40 one followed by the
/// 24 functions 3.0 added: C_GetInterfaceList, C_GetInterface, C_LoginUser and C_SessionCancel work;
/// the message-based functions answer CKR_FUNCTION_NOT_SUPPORTED. Its C_GetInfo says 3.0. All of it
/// is built once in native memory that is never freed or changed. No interface claims
/// CKF_INTERFACE_FORK_SAFE (the gRPC transport does not survive fork()).
/// </summary>
internal static unsafe class Interfaces
{
    private const int FunctionCount30 = FunctionList.FunctionCount + 24;
    private const int InterfaceCount = 2;
    private const ulong No = Ckr.FUNCTION_NOT_SUPPORTED;

    private static readonly CK_INTERFACE* List = Build();

    [UnmanagedCallersOnly(EntryPoint = "C_GetInterfaceList")]
    public static ulong C_GetInterfaceList(CK_INTERFACE* pInterfacesList, ulong* pulCount)
    {
        try
        {
            Native.Required(pulCount);
            if (pInterfacesList is null)
            {
                *pulCount = InterfaceCount;
                return Ckr.OK;
            }
            var room = *pulCount;
            *pulCount = InterfaceCount;
            if (room < InterfaceCount) return Ckr.BUFFER_TOO_SMALL;
            for (var i = 0; i < InterfaceCount; i++) pInterfacesList[i] = List[i];
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>The first interface matching the name (NULL: any), version (NULL: any) and all the flags asked; none is CKR_ARGUMENTS_BAD.</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_GetInterface")]
    public static ulong C_GetInterface(byte* pInterfaceName, CK_VERSION* pVersion, CK_INTERFACE** ppInterface, ulong flags)
    {
        try
        {
            Native.Required(ppInterface);
            for (var i = 0; i < InterfaceCount; i++)
            {
                var candidate = &List[i];
                var version = (CK_VERSION*)candidate->pFunctionList;
                if (pInterfaceName is not null && !SameName(pInterfaceName, candidate->pInterfaceName)) continue;
                if (pVersion is not null && (pVersion->major != version->major || pVersion->minor != version->minor)) continue;
                if ((candidate->flags & flags) != flags) continue;
                *ppInterface = candidate;
                return Ckr.OK;
            }
            return Ckr.ARGUMENTS_BAD;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>
    /// C_LoginUser: the user name apart from the PIN. With a name, the PIN is the password; without
    /// one (NULL, length 0) it is C_Login ("name:password").
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "C_LoginUser")]
    public static ulong C_LoginUser(ulong hSession, ulong userType, byte* pPin, ulong ulPinLen, byte* pUsername, ulong ulUsernameLen)
    {
        try
        {
            var module = Pkcs11Module.Current;
            _ = module.Session(hSession);
            Native.Required(pPin);
            var password = Native.In(pPin, ulPinLen);
            var name = Native.In(pUsername, ulUsernameLen);
            if (name.IsEmpty)
            {
                module.Login(userType, password.ToArray());
                return Ckr.OK;
            }
            // A user name never holds ':' (the node refuses such names), so this PIN cannot be read another way.
            if (name.Contains((byte)':')) throw new CkException(Ckr.PIN_INCORRECT);
            var pin = new byte[name.Length + 1 + password.Length];
            name.CopyTo(pin);
            pin[name.Length] = (byte)':';
            password.CopyTo(pin.AsSpan(name.Length + 1));
            module.Login(userType, pin); // wipes pin
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>C_SessionCancel: ends the session's active operations the flags name (CKF_ENCRYPT, CKF_DECRYPT, CKF_DIGEST, CKF_SIGN, CKF_VERIFY).</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_SessionCancel")]
    public static ulong C_SessionCancel(ulong hSession, ulong flags)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            lock (session.Gate)
            {
                if ((flags & Ckf.ENCRYPT) != 0) session.End(OperationKind.Encrypt);
                if ((flags & Ckf.DECRYPT) != 0) session.End(OperationKind.Decrypt);
                if ((flags & Ckf.DIGEST) != 0) session.End(OperationKind.Digest);
                if ((flags & Ckf.SIGN) != 0) session.End(OperationKind.Sign);
                if ((flags & Ckf.VERIFY) != 0) session.End(OperationKind.Verify);
            }
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>The 3.0 list's C_GetInfo: cryptokiVersion 3.0.</summary>
    [UnmanagedCallersOnly]
    private static ulong C_GetInfo30(CK_INFO* pInfo)
    {
        try
        {
            return General.Info(pInfo, new CK_VERSION { major = 3, minor = 0 });
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_MessageEncryptInit")]
    public static ulong C_MessageEncryptInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_EncryptMessage")]
    public static ulong C_EncryptMessage(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pAssociatedData, ulong ulAssociatedDataLen,
        byte* pPlaintext, ulong ulPlaintextLen, byte* pCiphertext, ulong* pulCiphertextLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_EncryptMessageBegin")]
    public static ulong C_EncryptMessageBegin(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pAssociatedData, ulong ulAssociatedDataLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_EncryptMessageNext")]
    public static ulong C_EncryptMessageNext(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pPlaintextPart, ulong ulPlaintextPartLen,
        byte* pCiphertextPart, ulong* pulCiphertextPartLen, ulong flags) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_MessageEncryptFinal")]
    public static ulong C_MessageEncryptFinal(ulong hSession) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_MessageDecryptInit")]
    public static ulong C_MessageDecryptInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptMessage")]
    public static ulong C_DecryptMessage(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pAssociatedData, ulong ulAssociatedDataLen,
        byte* pCiphertext, ulong ulCiphertextLen, byte* pPlaintext, ulong* pulPlaintextLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptMessageBegin")]
    public static ulong C_DecryptMessageBegin(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pAssociatedData, ulong ulAssociatedDataLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptMessageNext")]
    public static ulong C_DecryptMessageNext(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pCiphertextPart, ulong ulCiphertextPartLen,
        byte* pPlaintextPart, ulong* pulPlaintextPartLen, ulong flags) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_MessageDecryptFinal")]
    public static ulong C_MessageDecryptFinal(ulong hSession) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_MessageSignInit")]
    public static ulong C_MessageSignInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_SignMessage")]
    public static ulong C_SignMessage(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pData, ulong ulDataLen, byte* pSignature, ulong* pulSignatureLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_SignMessageBegin")]
    public static ulong C_SignMessageBegin(ulong hSession, void* pParameter, ulong ulParameterLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_SignMessageNext")]
    public static ulong C_SignMessageNext(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pData, ulong ulDataLen, byte* pSignature, ulong* pulSignatureLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_MessageSignFinal")]
    public static ulong C_MessageSignFinal(ulong hSession) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_MessageVerifyInit")]
    public static ulong C_MessageVerifyInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyMessage")]
    public static ulong C_VerifyMessage(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pData, ulong ulDataLen, byte* pSignature, ulong ulSignatureLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyMessageBegin")]
    public static ulong C_VerifyMessageBegin(ulong hSession, void* pParameter, ulong ulParameterLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyMessageNext")]
    public static ulong C_VerifyMessageNext(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pData, ulong ulDataLen, byte* pSignature, ulong ulSignatureLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_MessageVerifyFinal")]
    public static ulong C_MessageVerifyFinal(ulong hSession) => No;

    private static bool SameName(byte* given, byte* ours)
    {
        var span = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(ours);
        for (var i = 0; i < span.Length; i++)
        {
            if (given[i] != span[i]) return false;
        }
        return given[span.Length] == 0;
    }

    private static CK_INTERFACE* Build()
    {
        var name = Encoding.ASCII.GetBytes("PKCS 11\0");
        var nativeName = (byte*)NativeMemory.Alloc((nuint)name.Length);
        name.CopyTo(new Span<byte>(nativeName, name.Length));

        var interfaces = (CK_INTERFACE*)NativeMemory.AllocZeroed((nuint)(sizeof(CK_INTERFACE) * InterfaceCount));
        interfaces[0] = new CK_INTERFACE { pInterfaceName = nativeName, pFunctionList = BuildList30(), flags = 0 };
        interfaces[1] = new CK_INTERFACE { pInterfaceName = nativeName, pFunctionList = FunctionList.Table, flags = 0 };
        return interfaces;
    }

    /// <summary>CK_FUNCTION_LIST_3_0: CK_VERSION (padded to pointer alignment), the 68 v2.40 pointers, then the 24 of 3.0 in the header's order.</summary>
    private static void* BuildList30()
    {
        var size = sizeof(nint) * (FunctionCount30 + 1);
        var list = (byte*)NativeMemory.AllocZeroed((nuint)size);
        new ReadOnlySpan<byte>(FunctionList.Table, sizeof(nint) * (FunctionList.FunctionCount + 1)).CopyTo(new Span<byte>(list, size));
        ((CK_FUNCTION_LIST*)list)->version = new CK_VERSION { major = 3, minor = 0 };
        var table = (nint*)(list + sizeof(nint));
        table[2] = (nint)(delegate* unmanaged<CK_INFO*, ulong>)&C_GetInfo30;
        var i = FunctionList.FunctionCount;
        table[i++] = (nint)(delegate* unmanaged<CK_INTERFACE*, ulong*, ulong>)&C_GetInterfaceList;
        table[i++] = (nint)(delegate* unmanaged<byte*, CK_VERSION*, CK_INTERFACE**, ulong, ulong>)&C_GetInterface;
        table[i++] = (nint)(delegate* unmanaged<ulong, ulong, byte*, ulong, byte*, ulong, ulong>)&C_LoginUser;
        table[i++] = (nint)(delegate* unmanaged<ulong, ulong, ulong>)&C_SessionCancel;
        table[i++] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&C_MessageEncryptInit;
        table[i++] = (nint)(delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong, byte*, ulong*, ulong>)&C_EncryptMessage;
        table[i++] = (nint)(delegate* unmanaged<ulong, void*, ulong, byte*, ulong, ulong>)&C_EncryptMessageBegin;
        table[i++] = (nint)(delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong*, ulong, ulong>)&C_EncryptMessageNext;
        table[i++] = (nint)(delegate* unmanaged<ulong, ulong>)&C_MessageEncryptFinal;
        table[i++] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&C_MessageDecryptInit;
        table[i++] = (nint)(delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong, byte*, ulong*, ulong>)&C_DecryptMessage;
        table[i++] = (nint)(delegate* unmanaged<ulong, void*, ulong, byte*, ulong, ulong>)&C_DecryptMessageBegin;
        table[i++] = (nint)(delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong*, ulong, ulong>)&C_DecryptMessageNext;
        table[i++] = (nint)(delegate* unmanaged<ulong, ulong>)&C_MessageDecryptFinal;
        table[i++] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&C_MessageSignInit;
        table[i++] = (nint)(delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong*, ulong>)&C_SignMessage;
        table[i++] = (nint)(delegate* unmanaged<ulong, void*, ulong, ulong>)&C_SignMessageBegin;
        table[i++] = (nint)(delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong*, ulong>)&C_SignMessageNext;
        table[i++] = (nint)(delegate* unmanaged<ulong, ulong>)&C_MessageSignFinal;
        table[i++] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&C_MessageVerifyInit;
        table[i++] = (nint)(delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong, ulong>)&C_VerifyMessage;
        table[i++] = (nint)(delegate* unmanaged<ulong, void*, ulong, ulong>)&C_VerifyMessageBegin;
        table[i++] = (nint)(delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong, ulong>)&C_VerifyMessageNext;
        table[i++] = (nint)(delegate* unmanaged<ulong, ulong>)&C_MessageVerifyFinal;
        if (i != FunctionCount30) throw new InvalidOperationException("The 3.0 function list is not 92 entries.");
        return list;
    }
}
