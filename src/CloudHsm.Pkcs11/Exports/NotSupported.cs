using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>
/// Functions of the v2.40 list this module does not offer (yet): each says so with
/// CKR_FUNCTION_NOT_SUPPORTED (or the specific code the standard gives), never crashes.
/// </summary>
internal static unsafe class NotSupported
{
    private const ulong No = Ckr.FUNCTION_NOT_SUPPORTED;

    /// <summary>CKR_FUNCTION_NOT_PARALLEL: the legacy parallel-function calls.</summary>
    private const ulong NotParallel = 0x51;

    [UnmanagedCallersOnly(EntryPoint = "C_InitToken")]
    public static ulong C_InitToken(ulong slotID, byte* pPin, ulong ulPinLen, byte* pLabel) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_GetOperationState")]
    public static ulong C_GetOperationState(ulong hSession, byte* pOperationState, ulong* pulOperationStateLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_SetOperationState")]
    public static ulong C_SetOperationState(ulong hSession, byte* pOperationState, ulong ulOperationStateLen, ulong hEncryptionKey, ulong hAuthenticationKey) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_DigestKey")]
    public static ulong C_DigestKey(ulong hSession, ulong hKey) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_SignRecoverInit")]
    public static ulong C_SignRecoverInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_SignRecover")]
    public static ulong C_SignRecover(ulong hSession, byte* pData, ulong ulDataLen, byte* pSignature, ulong* pulSignatureLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyRecoverInit")]
    public static ulong C_VerifyRecoverInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyRecover")]
    public static ulong C_VerifyRecover(ulong hSession, byte* pSignature, ulong ulSignatureLen, byte* pData, ulong* pulDataLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_DigestEncryptUpdate")]
    public static ulong C_DigestEncryptUpdate(ulong hSession, byte* pPart, ulong ulPartLen, byte* pEncryptedPart, ulong* pulEncryptedPartLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptDigestUpdate")]
    public static ulong C_DecryptDigestUpdate(ulong hSession, byte* pEncryptedPart, ulong ulEncryptedPartLen, byte* pPart, ulong* pulPartLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_SignEncryptUpdate")]
    public static ulong C_SignEncryptUpdate(ulong hSession, byte* pPart, ulong ulPartLen, byte* pEncryptedPart, ulong* pulEncryptedPartLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptVerifyUpdate")]
    public static ulong C_DecryptVerifyUpdate(ulong hSession, byte* pEncryptedPart, ulong ulEncryptedPartLen, byte* pPart, ulong* pulPartLen) => No;

    [UnmanagedCallersOnly(EntryPoint = "C_SeedRandom")]
    public static ulong C_SeedRandom(ulong hSession, byte* pSeed, ulong ulSeedLen) => Ckr.RANDOM_SEED_NOT_SUPPORTED;

    [UnmanagedCallersOnly(EntryPoint = "C_GetFunctionStatus")]
    public static ulong C_GetFunctionStatus(ulong hSession) => NotParallel;

    [UnmanagedCallersOnly(EntryPoint = "C_CancelFunction")]
    public static ulong C_CancelFunction(ulong hSession) => NotParallel;

    [UnmanagedCallersOnly(EntryPoint = "C_WaitForSlotEvent")]
    public static ulong C_WaitForSlotEvent(ulong flags, ulong* pSlot, void* pReserved) => No;
}
