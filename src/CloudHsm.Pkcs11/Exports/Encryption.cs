using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>Encryption and decryption (the node works on whole messages: *Update buffers, *Final computes).</summary>
internal static unsafe class Encryption
{
    [UnmanagedCallersOnly(EntryPoint = "C_EncryptInit")]
    public static ulong C_EncryptInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        try
        {
            OperationSteps.Init(hSession, pMechanism, hKey, OperationKind.Encrypt);
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Encrypt")]
    public static ulong C_Encrypt(ulong hSession, byte* pData, ulong ulDataLen, byte* pEncryptedData, ulong* pulEncryptedDataLen)
    {
        try
        {
            return OperationSteps.Finish(hSession, OperationKind.Encrypt, pData, ulDataLen, pEncryptedData, pulEncryptedDataLen);
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_EncryptUpdate")]
    public static ulong C_EncryptUpdate(ulong hSession, byte* pPart, ulong ulPartLen, byte* pEncryptedPart, ulong* pulEncryptedPartLen)
    {
        try
        {
            Native.Required(pulEncryptedPartLen);
            OperationSteps.Update(hSession, OperationKind.Encrypt, pPart, ulPartLen);
            *pulEncryptedPartLen = 0;
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_EncryptFinal")]
    public static ulong C_EncryptFinal(ulong hSession, byte* pLastEncryptedPart, ulong* pulLastEncryptedPartLen)
    {
        try
        {
            return OperationSteps.Finish(hSession, OperationKind.Encrypt, null, 0, pLastEncryptedPart, pulLastEncryptedPartLen);
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptInit")]
    public static ulong C_DecryptInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        try
        {
            OperationSteps.Init(hSession, pMechanism, hKey, OperationKind.Decrypt);
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Decrypt")]
    public static ulong C_Decrypt(ulong hSession, byte* pEncryptedData, ulong ulEncryptedDataLen, byte* pData, ulong* pulDataLen)
    {
        try
        {
            return OperationSteps.Finish(hSession, OperationKind.Decrypt, pEncryptedData, ulEncryptedDataLen, pData, pulDataLen);
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptUpdate")]
    public static ulong C_DecryptUpdate(ulong hSession, byte* pEncryptedPart, ulong ulEncryptedPartLen, byte* pPart, ulong* pulPartLen)
    {
        try
        {
            Native.Required(pulPartLen);
            OperationSteps.Update(hSession, OperationKind.Decrypt, pEncryptedPart, ulEncryptedPartLen);
            *pulPartLen = 0;
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptFinal")]
    public static ulong C_DecryptFinal(ulong hSession, byte* pLastPart, ulong* pulLastPartLen)
    {
        try
        {
            return OperationSteps.Finish(hSession, OperationKind.Decrypt, null, 0, pLastPart, pulLastPartLen);
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }
}
