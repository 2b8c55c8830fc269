using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>CK_FUNCTION_LIST: the version, then the 68 function pointers in the order of the v2.40 header.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_FUNCTION_LIST
{
    public CK_VERSION version;
}

/// <summary>
/// C_GetFunctionList and the table it returns: built once, in native memory that is never freed or
/// changed afterwards, so any thread may read it at any time.
/// </summary>
internal static unsafe class FunctionList
{
    public const int FunctionCount = 68;

    /// <summary>The v2.40 list (C_GetFunctionList; the 3.0 list of <see cref="Interfaces"/> starts with a copy of it).</summary>
    internal static readonly CK_FUNCTION_LIST* Table = Build();

    [UnmanagedCallersOnly(EntryPoint = "C_GetFunctionList")]
    public static ulong C_GetFunctionList(CK_FUNCTION_LIST** ppFunctionList)
    {
        try
        {
            if (ppFunctionList is null) return Ckr.ARGUMENTS_BAD;
            *ppFunctionList = Table;
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    private static CK_FUNCTION_LIST* Build()
    {
        // CK_VERSION (2 bytes) padded to pointer alignment, then the pointers.
        var list = (CK_FUNCTION_LIST*)NativeMemory.AllocZeroed((nuint)(sizeof(nint) * (FunctionCount + 1)));
        list->version = new CK_VERSION { major = 2, minor = 40 };
        var table = (nint*)((byte*)list + sizeof(nint));
        table[0] = (nint)(delegate* unmanaged<CK_C_INITIALIZE_ARGS*, ulong>)&General.C_Initialize;
        table[1] = (nint)(delegate* unmanaged<void*, ulong>)&General.C_Finalize;
        table[2] = (nint)(delegate* unmanaged<CK_INFO*, ulong>)&General.C_GetInfo;
        table[3] = (nint)(delegate* unmanaged<CK_FUNCTION_LIST**, ulong>)&FunctionList.C_GetFunctionList;
        table[4] = (nint)(delegate* unmanaged<byte, ulong*, ulong*, ulong>)&SlotsAndTokens.C_GetSlotList;
        table[5] = (nint)(delegate* unmanaged<ulong, CK_SLOT_INFO*, ulong>)&SlotsAndTokens.C_GetSlotInfo;
        table[6] = (nint)(delegate* unmanaged<ulong, CK_TOKEN_INFO*, ulong>)&SlotsAndTokens.C_GetTokenInfo;
        table[7] = (nint)(delegate* unmanaged<ulong, ulong*, ulong*, ulong>)&SlotsAndTokens.C_GetMechanismList;
        table[8] = (nint)(delegate* unmanaged<ulong, ulong, CK_MECHANISM_INFO*, ulong>)&SlotsAndTokens.C_GetMechanismInfo;
        table[9] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong>)&NotSupported.C_InitToken;
        table[10] = (nint)(delegate* unmanaged<ulong, byte*, ulong, ulong>)&Pins.C_InitPIN;
        table[11] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong, ulong>)&Pins.C_SetPIN;
        table[12] = (nint)(delegate* unmanaged<ulong, ulong, void*, void*, ulong*, ulong>)&Sessions.C_OpenSession;
        table[13] = (nint)(delegate* unmanaged<ulong, ulong>)&Sessions.C_CloseSession;
        table[14] = (nint)(delegate* unmanaged<ulong, ulong>)&Sessions.C_CloseAllSessions;
        table[15] = (nint)(delegate* unmanaged<ulong, CK_SESSION_INFO*, ulong>)&Sessions.C_GetSessionInfo;
        table[16] = (nint)(delegate* unmanaged<ulong, byte*, ulong*, ulong>)&NotSupported.C_GetOperationState;
        table[17] = (nint)(delegate* unmanaged<ulong, byte*, ulong, ulong, ulong, ulong>)&NotSupported.C_SetOperationState;
        table[18] = (nint)(delegate* unmanaged<ulong, ulong, byte*, ulong, ulong>)&Sessions.C_Login;
        table[19] = (nint)(delegate* unmanaged<ulong, ulong>)&Sessions.C_Logout;
        table[20] = (nint)(delegate* unmanaged<ulong, CK_ATTRIBUTE*, ulong, ulong*, ulong>)&ObjectCreation.C_CreateObject;
        table[21] = (nint)(delegate* unmanaged<ulong, ulong, CK_ATTRIBUTE*, ulong, ulong*, ulong>)&ObjectCreation.C_CopyObject;
        table[22] = (nint)(delegate* unmanaged<ulong, ulong, ulong>)&Objects.C_DestroyObject;
        table[23] = (nint)(delegate* unmanaged<ulong, ulong, ulong*, ulong>)&ObjectCreation.C_GetObjectSize;
        table[24] = (nint)(delegate* unmanaged<ulong, ulong, CK_ATTRIBUTE*, ulong, ulong>)&Objects.C_GetAttributeValue;
        table[25] = (nint)(delegate* unmanaged<ulong, ulong, CK_ATTRIBUTE*, ulong, ulong>)&Objects.C_SetAttributeValue;
        table[26] = (nint)(delegate* unmanaged<ulong, CK_ATTRIBUTE*, ulong, ulong>)&Objects.C_FindObjectsInit;
        table[27] = (nint)(delegate* unmanaged<ulong, ulong*, ulong, ulong*, ulong>)&Objects.C_FindObjects;
        table[28] = (nint)(delegate* unmanaged<ulong, ulong>)&Objects.C_FindObjectsFinal;
        table[29] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Encryption.C_EncryptInit;
        table[30] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Encryption.C_Encrypt;
        table[31] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Encryption.C_EncryptUpdate;
        table[32] = (nint)(delegate* unmanaged<ulong, byte*, ulong*, ulong>)&Encryption.C_EncryptFinal;
        table[33] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Encryption.C_DecryptInit;
        table[34] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Encryption.C_Decrypt;
        table[35] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Encryption.C_DecryptUpdate;
        table[36] = (nint)(delegate* unmanaged<ulong, byte*, ulong*, ulong>)&Encryption.C_DecryptFinal;
        table[37] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong>)&DigestAndRandom.C_DigestInit;
        table[38] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&DigestAndRandom.C_Digest;
        table[39] = (nint)(delegate* unmanaged<ulong, byte*, ulong, ulong>)&DigestAndRandom.C_DigestUpdate;
        table[40] = (nint)(delegate* unmanaged<ulong, ulong, ulong>)&NotSupported.C_DigestKey;
        table[41] = (nint)(delegate* unmanaged<ulong, byte*, ulong*, ulong>)&DigestAndRandom.C_DigestFinal;
        table[42] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Signing.C_SignInit;
        table[43] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Signing.C_Sign;
        table[44] = (nint)(delegate* unmanaged<ulong, byte*, ulong, ulong>)&Signing.C_SignUpdate;
        table[45] = (nint)(delegate* unmanaged<ulong, byte*, ulong*, ulong>)&Signing.C_SignFinal;
        table[46] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&NotSupported.C_SignRecoverInit;
        table[47] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&NotSupported.C_SignRecover;
        table[48] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Signing.C_VerifyInit;
        table[49] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong, ulong>)&Signing.C_Verify;
        table[50] = (nint)(delegate* unmanaged<ulong, byte*, ulong, ulong>)&Signing.C_VerifyUpdate;
        table[51] = (nint)(delegate* unmanaged<ulong, byte*, ulong, ulong>)&Signing.C_VerifyFinal;
        table[52] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&NotSupported.C_VerifyRecoverInit;
        table[53] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&NotSupported.C_VerifyRecover;
        table[54] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&NotSupported.C_DigestEncryptUpdate;
        table[55] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&NotSupported.C_DecryptDigestUpdate;
        table[56] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&NotSupported.C_SignEncryptUpdate;
        table[57] = (nint)(delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&NotSupported.C_DecryptVerifyUpdate;
        table[58] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, CK_ATTRIBUTE*, ulong, ulong*, ulong>)&KeyManagement.C_GenerateKey;
        table[59] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, CK_ATTRIBUTE*, ulong, CK_ATTRIBUTE*, ulong, ulong*, ulong*, ulong>)&KeyManagement.C_GenerateKeyPair;
        table[60] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong, byte*, ulong*, ulong>)&WrapAndUnwrap.C_WrapKey;
        table[61] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong, byte*, ulong, CK_ATTRIBUTE*, ulong, ulong*, ulong>)&WrapAndUnwrap.C_UnwrapKey;
        table[62] = (nint)(delegate* unmanaged<ulong, CK_MECHANISM*, ulong, CK_ATTRIBUTE*, ulong, ulong*, ulong>)&Derivation.C_DeriveKey;
        table[63] = (nint)(delegate* unmanaged<ulong, byte*, ulong, ulong>)&NotSupported.C_SeedRandom;
        table[64] = (nint)(delegate* unmanaged<ulong, byte*, ulong, ulong>)&DigestAndRandom.C_GenerateRandom;
        table[65] = (nint)(delegate* unmanaged<ulong, ulong>)&NotSupported.C_GetFunctionStatus;
        table[66] = (nint)(delegate* unmanaged<ulong, ulong>)&NotSupported.C_CancelFunction;
        table[67] = (nint)(delegate* unmanaged<ulong, ulong*, void*, ulong>)&NotSupported.C_WaitForSlotEvent;
        return list;
    }
}
