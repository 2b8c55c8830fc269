using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

// The structures of the PKCS#11 header as laid out on 64-bit Linux: CK_ULONG is 8 bytes,
// natural alignment (the header's pack(1) is for Windows only). Field names follow the header.
#pragma warning disable CA1707, IDE1006, CS0649

[StructLayout(LayoutKind.Sequential)]
internal struct CK_VERSION
{
    public byte major;
    public byte minor;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_INFO
{
    public CK_VERSION cryptokiVersion;
    public fixed byte manufacturerID[32];
    public ulong flags;
    public fixed byte libraryDescription[32];
    public CK_VERSION libraryVersion;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_SLOT_INFO
{
    public fixed byte slotDescription[64];
    public fixed byte manufacturerID[32];
    public ulong flags;
    public CK_VERSION hardwareVersion;
    public CK_VERSION firmwareVersion;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_TOKEN_INFO
{
    public fixed byte label[32];
    public fixed byte manufacturerID[32];
    public fixed byte model[16];
    public fixed byte serialNumber[16];
    public ulong flags;
    public ulong ulMaxSessionCount;
    public ulong ulSessionCount;
    public ulong ulMaxRwSessionCount;
    public ulong ulRwSessionCount;
    public ulong ulMaxPinLen;
    public ulong ulMinPinLen;
    public ulong ulTotalPublicMemory;
    public ulong ulFreePublicMemory;
    public ulong ulTotalPrivateMemory;
    public ulong ulFreePrivateMemory;
    public CK_VERSION hardwareVersion;
    public CK_VERSION firmwareVersion;
    public fixed byte utcTime[16];
}

[StructLayout(LayoutKind.Sequential)]
internal struct CK_SESSION_INFO
{
    public ulong slotID;
    public ulong state;
    public ulong flags;
    public ulong ulDeviceError;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_MECHANISM
{
    public ulong mechanism;
    public void* pParameter;
    public ulong ulParameterLen;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CK_MECHANISM_INFO
{
    public ulong ulMinKeySize;
    public ulong ulMaxKeySize;
    public ulong flags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_ATTRIBUTE
{
    public ulong type;
    public void* pValue;
    public ulong ulValueLen;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_C_INITIALIZE_ARGS
{
    public void* CreateMutex;
    public void* DestroyMutex;
    public void* LockMutex;
    public void* UnlockMutex;
    public ulong flags;
    public void* pReserved;
}

/// <summary>CK_GCM_PARAMS as v2.40 errata and 3.0 define it (with ulIvBits).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_GCM_PARAMS
{
    public byte* pIv;
    public ulong ulIvLen;
    public ulong ulIvBits;
    public byte* pAAD;
    public ulong ulAADLen;
    public ulong ulTagBits;
}

/// <summary>CK_GCM_PARAMS as the original v2.40 header printed it (no ulIvBits); some clients still send it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_GCM_PARAMS_NO_IVBITS
{
    public byte* pIv;
    public ulong ulIvLen;
    public byte* pAAD;
    public ulong ulAADLen;
    public ulong ulTagBits;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_RSA_PKCS_OAEP_PARAMS
{
    public ulong hashAlg;
    public ulong mgf;
    public ulong source;
    public void* pSourceData;
    public ulong ulSourceDataLen;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CK_RSA_PKCS_PSS_PARAMS
{
    public ulong hashAlg;
    public ulong mgf;
    public ulong sLen;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_AES_CTR_PARAMS
{
    public ulong ulCounterBits;
    public fixed byte cb[16];
}
