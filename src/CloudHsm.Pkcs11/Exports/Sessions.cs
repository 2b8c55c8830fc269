using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>Session management and login.</summary>
internal static unsafe class Sessions
{
    [UnmanagedCallersOnly(EntryPoint = "C_OpenSession")]
    public static ulong C_OpenSession(ulong slotID, ulong flags, void* pApplication, void* Notify, ulong* phSession)
    {
        try
        {
            var module = Pkcs11Module.Current;
            SlotsAndTokens.RequireSlot(slotID);
            Native.Required(phSession);
            if ((flags & Ckf.SERIAL_SESSION) == 0) return Ckr.SESSION_PARALLEL_NOT_SUPPORTED;
            *phSession = module.OpenSession((flags & Ckf.RW_SESSION) != 0).Handle;
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_CloseSession")]
    public static ulong C_CloseSession(ulong hSession)
    {
        try
        {
            Pkcs11Module.Current.CloseSession(hSession);
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_CloseAllSessions")]
    public static ulong C_CloseAllSessions(ulong slotID)
    {
        try
        {
            var module = Pkcs11Module.Current;
            SlotsAndTokens.RequireSlot(slotID);
            module.CloseAllSessions();
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetSessionInfo")]
    public static ulong C_GetSessionInfo(ulong hSession, CK_SESSION_INFO* pInfo)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            Native.Required(pInfo);
            pInfo->slotID = Pkcs11Module.SlotId;
            pInfo->state = session.State;
            pInfo->flags = Ckf.SERIAL_SESSION | (session.ReadWrite ? Ckf.RW_SESSION : 0);
            pInfo->ulDeviceError = 0;
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Login")]
    public static ulong C_Login(ulong hSession, ulong userType, byte* pPin, ulong ulPinLen)
    {
        try
        {
            var module = Pkcs11Module.Current;
            _ = module.Session(hSession);
            Native.Required(pPin);
            module.Login(userType, Native.In(pPin, ulPinLen).ToArray());
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Logout")]
    public static ulong C_Logout(ulong hSession)
    {
        try
        {
            var module = Pkcs11Module.Current;
            _ = module.Session(hSession, evenStranded: true);
            module.Logout();
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }
}
