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
            Pkcs11Module.Initialize(NewTransport);
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>A connection to the node as the module makes them (C_Initialize's, and C_SetPIN's one-off check of the old PIN).</summary>
    internal static IModuleTransport NewTransport(Client.ClientConfig config, Logging.ModuleLog log) => new WireModuleTransport(config, log);

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
            return Info(pInfo, new CK_VERSION { major = 2, minor = 40 });
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>C_GetInfo with the version of the function list it was reached through (2.40, or 3.0 through C_GetInterface).</summary>
    internal static ulong Info(CK_INFO* pInfo, CK_VERSION cryptokiVersion)
    {
        _ = Pkcs11Module.Current;
        Native.Required(pInfo);
        *pInfo = default;
        pInfo->cryptokiVersion = cryptokiVersion;
        Native.Padded(pInfo->manufacturerID, 32, ModuleInfo.Manufacturer);
        Native.Padded(pInfo->libraryDescription, 32, "CloudHSM PKCS#11 module");
        pInfo->libraryVersion = ModuleInfo.Version;
        return Ckr.OK;
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
