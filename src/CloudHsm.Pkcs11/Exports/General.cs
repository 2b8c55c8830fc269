using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;
using CloudHsm.Pkcs11.Transport;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>General-purpose functions: C_Initialize, C_Finalize, C_GetInfo (C_GetFunctionList is in <see cref="FunctionList"/>).</summary>
internal static unsafe class General
{
    [UnmanagedCallersOnly(EntryPoint = "C_Initialize")]
    public static ulong C_Initialize(CK_C_INITIALIZE_ARGS* pInitArgs)
    {
        try
        {
            if (pInitArgs is not null)
            {
                if (pInitArgs->pReserved is not null) return Ckr.ARGUMENTS_BAD;
                var given = (pInitArgs->CreateMutex is not null ? 1 : 0) + (pInitArgs->DestroyMutex is not null ? 1 : 0)
                    + (pInitArgs->LockMutex is not null ? 1 : 0) + (pInitArgs->UnlockMutex is not null ? 1 : 0);
                if (given is not (0 or 4)) return Ckr.ARGUMENTS_BAD;
                // The module locks with the OS's primitives; it cannot use only the application's.
                if (given == 4 && (pInitArgs->flags & Ckf.OS_LOCKING_OK) == 0) return Ckr.CANT_LOCK;
            }
            Pkcs11Module.Initialize(static (config, log) => new WireModuleTransport(config, log));
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Finalize")]
    public static ulong C_Finalize(void* pReserved)
    {
        try
        {
            if (pReserved is not null) return Ckr.ARGUMENTS_BAD;
            Pkcs11Module.FinalizeModule();
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetInfo")]
    public static ulong C_GetInfo(CK_INFO* pInfo)
    {
        try
        {
            _ = Pkcs11Module.Current;
            Native.Required(pInfo);
            *pInfo = default;
            pInfo->cryptokiVersion = new CK_VERSION { major = 2, minor = 40 };
            Native.Padded(pInfo->manufacturerID, 32, ModuleInfo.Manufacturer);
            Native.Padded(pInfo->libraryDescription, 32, "CloudHSM PKCS#11 module");
            pInfo->libraryVersion = ModuleInfo.Version;
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }
}

/// <summary>Names and versions the info structures show.</summary>
internal static class ModuleInfo
{
    public const string Manufacturer = "CloudHSM";

    public static CK_VERSION Version
    {
        get
        {
            var v = typeof(ModuleInfo).Assembly.GetName().Version;
            return new CK_VERSION { major = (byte)(v?.Major ?? 1), minor = (byte)(v?.Minor ?? 0) };
        }
    }
}
