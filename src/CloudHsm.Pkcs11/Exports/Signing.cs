using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>Signing and verification (with appendix; *Update buffers the message for the node).</summary>
internal static unsafe class Signing
{
    [UnmanagedCallersOnly(EntryPoint = "C_SignInit")]
    public static ulong C_SignInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        try
        {
            OperationSteps.Init(hSession, pMechanism, hKey, OperationKind.Sign);
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Sign")]
    public static ulong C_Sign(ulong hSession, byte* pData, ulong ulDataLen, byte* pSignature, ulong* pulSignatureLen)
    {
        try
        {
            return OperationSteps.Finish(hSession, OperationKind.Sign, pData, ulDataLen, pSignature, pulSignatureLen);
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SignUpdate")]
    public static ulong C_SignUpdate(ulong hSession, byte* pPart, ulong ulPartLen)
    {
        try
        {
            OperationSteps.Update(hSession, OperationKind.Sign, pPart, ulPartLen);
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SignFinal")]
    public static ulong C_SignFinal(ulong hSession, byte* pSignature, ulong* pulSignatureLen)
    {
        try
        {
            return OperationSteps.Finish(hSession, OperationKind.Sign, null, 0, pSignature, pulSignatureLen);
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyInit")]
    public static ulong C_VerifyInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        try
        {
            OperationSteps.Init(hSession, pMechanism, hKey, OperationKind.Verify);
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Verify")]
    public static ulong C_Verify(ulong hSession, byte* pData, ulong ulDataLen, byte* pSignature, ulong ulSignatureLen)
    {
        try
        {
            return OperationSteps.Verify(hSession, pData, ulDataLen, pSignature, ulSignatureLen);
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyUpdate")]
    public static ulong C_VerifyUpdate(ulong hSession, byte* pPart, ulong ulPartLen)
    {
        try
        {
            OperationSteps.Update(hSession, OperationKind.Verify, pPart, ulPartLen);
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyFinal")]
    public static ulong C_VerifyFinal(ulong hSession, byte* pSignature, ulong ulSignatureLen)
    {
        try
        {
            return OperationSteps.Verify(hSession, null, 0, pSignature, ulSignatureLen);
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }
}
