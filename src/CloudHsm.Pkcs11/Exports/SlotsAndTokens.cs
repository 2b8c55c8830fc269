using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>Slot and token management: one slot, holding the partition as its token.</summary>
internal static unsafe class SlotsAndTokens
{
    [UnmanagedCallersOnly(EntryPoint = "C_GetSlotList")]
    public static ulong C_GetSlotList(byte tokenPresent, ulong* pSlotList, ulong* pulCount)
    {
        try
        {
            _ = Pkcs11Module.Current;
            Native.Required(pulCount);
            return WriteList([Pkcs11Module.SlotId], pSlotList, pulCount);
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetSlotInfo")]
    public static ulong C_GetSlotInfo(ulong slotID, CK_SLOT_INFO* pInfo)
    {
        try
        {
            _ = Pkcs11Module.Current;
            RequireSlot(slotID);
            Native.Required(pInfo);
            *pInfo = default;
            Native.Padded(pInfo->slotDescription, 64, "CloudHSM partition");
            Native.Padded(pInfo->manufacturerID, 32, ModuleInfo.Manufacturer);
            pInfo->flags = Ckf.TOKEN_PRESENT;
            pInfo->hardwareVersion = ModuleInfo.Version;
            pInfo->firmwareVersion = ModuleInfo.Version;
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>The token is the partition: label and serial from its serial number, counts as they are now.</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_GetTokenInfo")]
    public static ulong C_GetTokenInfo(ulong slotID, CK_TOKEN_INFO* pInfo)
    {
        try
        {
            var module = Pkcs11Module.Current;
            RequireSlot(slotID);
            Native.Required(pInfo);
            var partition = module.Transport.Call(NodeMethods.GetPartitionInfo, new Empty(), PartitionInfo.Parser);
            var (sessions, readWrite) = module.SessionCounts();
            *pInfo = default;
            Native.Padded(pInfo->label, 32, TokenLabel(partition.SerialNumber));
            Native.Padded(pInfo->manufacturerID, 32, ModuleInfo.Manufacturer);
            Native.Padded(pInfo->model, 16, "CloudHSM");
            Native.Padded(pInfo->serialNumber, 16, partition.SerialNumber);
            pInfo->flags = Ckf.RNG | Ckf.LOGIN_REQUIRED
                | (partition.Status == PartitionStatus.Active ? Ckf.TOKEN_INITIALIZED | Ckf.USER_PIN_INITIALIZED : 0);
            pInfo->ulMaxSessionCount = Ck.EFFECTIVELY_INFINITE;
            pInfo->ulSessionCount = sessions;
            pInfo->ulMaxRwSessionCount = Ck.EFFECTIVELY_INFINITE;
            pInfo->ulRwSessionCount = readWrite;
            // PIN "name:password": a one-letter name, the colon, and the partition's password bounds.
            pInfo->ulMinPinLen = (ulong)Math.Max(0, partition.MinPasswordLength) + 2;
            pInfo->ulMaxPinLen = 128;
            pInfo->ulTotalPublicMemory = Ck.UNAVAILABLE_INFORMATION;
            pInfo->ulFreePublicMemory = Ck.UNAVAILABLE_INFORMATION;
            pInfo->ulTotalPrivateMemory = Ck.UNAVAILABLE_INFORMATION;
            pInfo->ulFreePrivateMemory = Ck.UNAVAILABLE_INFORMATION;
            pInfo->hardwareVersion = ModuleInfo.Version;
            pInfo->firmwareVersion = FirmwareVersion(partition.NodeVersion);
            Native.Padded(pInfo->utcTime, 16, "");
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetMechanismList")]
    public static ulong C_GetMechanismList(ulong slotID, ulong* pMechanismList, ulong* pulCount)
    {
        try
        {
            _ = Pkcs11Module.Current;
            RequireSlot(slotID);
            Native.Required(pulCount);
            return WriteList(Mechanisms.List, pMechanismList, pulCount);
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetMechanismInfo")]
    public static ulong C_GetMechanismInfo(ulong slotID, ulong type, CK_MECHANISM_INFO* pInfo)
    {
        try
        {
            _ = Pkcs11Module.Current;
            RequireSlot(slotID);
            Native.Required(pInfo);
            var entry = Mechanisms.Find(type) ?? throw new CkException(Ckr.MECHANISM_INVALID);
            pInfo->ulMinKeySize = entry.MinKeySize;
            pInfo->ulMaxKeySize = entry.MaxKeySize;
            // CKF_HW: the node performs the mechanism (digests are computed here, in the module).
            pInfo->flags = entry.Flags | ((entry.Flags & Ckf.DIGEST) == 0 ? Ckf.HW : 0);
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>"cloudhsm-" and the partition serial: stable for the partition's life, unique across partitions.</summary>
    public static string TokenLabel(string serialNumber) => "cloudhsm-" + serialNumber.ToLowerInvariant();

    public static void RequireSlot(ulong slotID)
    {
        if (slotID != Pkcs11Module.SlotId) throw new CkException(Ckr.SLOT_ID_INVALID);
    }

    /// <summary>A list by the length-query protocol: NULL asks the count, a short buffer gets CKR_BUFFER_TOO_SMALL.</summary>
    private static ulong WriteList(IReadOnlyList<ulong> items, ulong* list, ulong* count)
    {
        var needed = (ulong)items.Count;
        if (list is null)
        {
            *count = needed;
            return Ckr.OK;
        }
        if (*count < needed)
        {
            *count = needed;
            return Ckr.BUFFER_TOO_SMALL;
        }
        for (var i = 0; i < items.Count; i++) list[i] = items[i];
        *count = needed;
        return Ckr.OK;
    }

    private static CK_VERSION FirmwareVersion(string nodeVersion) =>
        Version.TryParse(nodeVersion.Split('+', '-')[0], out var v)
            ? new CK_VERSION { major = (byte)Math.Clamp(v.Major, 0, 255), minor = (byte)Math.Clamp(v.Minor, 0, 255) }
            : ModuleInfo.Version;
}
