using CloudHsm.Pkcs11.Module;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>
/// The fields of a CK_GCM_PARAMS in either layout applications use: with ulIvBits (v2.40, 3.0) or
/// without it (the v2.40 header as first published); the structure's length tells which.
/// </summary>
internal readonly unsafe struct GcmFields
{
    public byte* Iv { get; private init; }
    public ulong IvLength { get; private init; }
    public byte* Aad { get; private init; }
    public ulong AadLength { get; private init; }
    public ulong TagBits { get; private init; }

    /// <summary>Reads the parameter, or CKR_MECHANISM_PARAM_INVALID for a null pointer or another length.</summary>
    public static GcmFields Read(void* p, ulong length)
    {
        if (p is null) throw new CkException(Ckr.MECHANISM_PARAM_INVALID);
        if (length == (ulong)sizeof(CK_GCM_PARAMS))
        {
            var gcm = (CK_GCM_PARAMS*)p;
            return new GcmFields { Iv = gcm->pIv, IvLength = gcm->ulIvLen, Aad = gcm->pAAD, AadLength = gcm->ulAADLen, TagBits = gcm->ulTagBits };
        }
        if (length == (ulong)sizeof(CK_GCM_PARAMS_NO_IVBITS))
        {
            var gcm = (CK_GCM_PARAMS_NO_IVBITS*)p;
            return new GcmFields { Iv = gcm->pIv, IvLength = gcm->ulIvLen, Aad = gcm->pAAD, AadLength = gcm->ulAADLen, TagBits = gcm->ulTagBits };
        }
        throw new CkException(Ckr.MECHANISM_PARAM_INVALID);
    }
}
