using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

// Parameter structures of the wrap and derive mechanisms and the 3.0 interface structure, as laid
// out on 64-bit Linux (CK_ULONG 8 bytes, natural alignment). Field names follow the headers.
#pragma warning disable CA1707, IDE1006, CS0649

/// <summary>CK_RSA_AES_KEY_WRAP_PARAMS: the temporary AES key's size and the OAEP parameters that wrap it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_RSA_AES_KEY_WRAP_PARAMS
{
    public ulong ulAESKeyBits;
    public CK_RSA_PKCS_OAEP_PARAMS* pOAEPParams;
}

/// <summary>CK_ECDH1_DERIVE_PARAMS.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_ECDH1_DERIVE_PARAMS
{
    public ulong kdf;
    public ulong ulSharedDataLen;
    public byte* pSharedData;
    public ulong ulPublicDataLen;
    public byte* pPublicData;
}

/// <summary>CK_PRF_DATA_PARAM: one piece of the SP 800-108 PRF input.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_PRF_DATA_PARAM
{
    public ulong type;
    public void* pValue;
    public ulong ulValueLen;
}

/// <summary>CK_SP800_108_KDF_PARAMS (PKCS#11 3.0).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_SP800_108_KDF_PARAMS
{
    public ulong prfType;
    public ulong ulNumberOfDataParams;
    public CK_PRF_DATA_PARAM* pDataParams;
    public ulong ulAdditionalDerivedKeys;
    public void* pAdditionalDerivedKeys;
}

/// <summary>CK_SP800_108_COUNTER_FORMAT: how the iteration counter is encoded.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CK_SP800_108_COUNTER_FORMAT
{
    public byte bLittleEndian;
    public ulong ulWidthInBits;
}

/// <summary>CK_SP800_108_DKM_LENGTH_FORMAT: how [L], the derived length in bits, is encoded.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CK_SP800_108_DKM_LENGTH_FORMAT
{
    public ulong dkmLengthMethod;
    public byte bLittleEndian;
    public ulong ulWidthInBits;
}

/// <summary>CK_INTERFACE (PKCS#11 3.0): a named function list and its flags.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_INTERFACE
{
    public byte* pInterfaceName;
    public void* pFunctionList;
    public ulong flags;
}

/// <summary>The SP 800-108 data parameter types and length methods (PKCS#11 3.0).</summary>
internal static class Sp800108
{
    public const ulong ITERATION_VARIABLE = 0x1;
    public const ulong OPTIONAL_COUNTER = 0x2;
    public const ulong DKM_LENGTH = 0x3;
    public const ulong BYTE_ARRAY = 0x4;
    public const ulong DKM_LENGTH_SUM_OF_KEYS = 0x1;
}
