using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>Message digesting and random number generation.</summary>
internal static unsafe class DigestAndRandom
{
    [UnmanagedCallersOnly(EntryPoint = "C_DigestInit")]
    public static ulong C_DigestInit(ulong hSession, CK_MECHANISM* pMechanism)
    {
        try
        {
            OperationSteps.Init(hSession, pMechanism, Ck.INVALID_HANDLE, OperationKind.Digest);
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Digest")]
    public static ulong C_Digest(ulong hSession, byte* pData, ulong ulDataLen, byte* pDigest, ulong* pulDigestLen)
    {
        try
        {
            return OperationSteps.Finish(hSession, OperationKind.Digest, pData, ulDataLen, pDigest, pulDigestLen);
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DigestUpdate")]
    public static ulong C_DigestUpdate(ulong hSession, byte* pPart, ulong ulPartLen)
    {
        try
        {
            OperationSteps.Update(hSession, OperationKind.Digest, pPart, ulPartLen);
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DigestFinal")]
    public static ulong C_DigestFinal(ulong hSession, byte* pDigest, ulong* pulDigestLen)
    {
        try
        {
            return OperationSteps.Finish(hSession, OperationKind.Digest, null, 0, pDigest, pulDigestLen);
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>Random bytes from the node's generator, asked in pieces of the node's per-call limit.</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_GenerateRandom")]
    public static ulong C_GenerateRandom(ulong hSession, byte* pRandomData, ulong ulRandomLen)
    {
        const int MaxPerCall = 64 * 1024;
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            if (ulRandomLen == 0) return Ckr.OK;
            Native.Required(pRandomData);
            lock (session.Gate)
            {
                session.Module.RequireUser();
                for (ulong done = 0; done < ulRandomLen;)
                {
                    var length = (int)Math.Min(ulRandomLen - done, MaxPerCall);
                    var data = session.Transport.Call(NodeMethods.GenerateRandom, new RandomRequest { Length = length }, RandomReply.Parser).Data;
                    data.Span.CopyTo(new Span<byte>(pRandomData + done, length));
                    done += (ulong)length;
                }
            }
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }
}
