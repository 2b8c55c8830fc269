using CloudHsm.Pkcs11.Module;
using Google.Protobuf;
using WrapParameters = CloudHsm.Protocol.V1.WrapParameters;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>
/// What a wrap mechanism's parameter says: the node's parameters, and for AES-GCM the caller's
/// 12-byte IV buffer (C_WrapKey writes the node's IV there; C_UnwrapKey checks it against the wrapped key's).
/// </summary>
internal readonly unsafe struct WrapMechanismParameter(WrapParameters parameters, byte* gcmIv)
{
    public WrapParameters Parameters { get; } = parameters;
    public byte* GcmIv { get; } = gcmIv;
}

/// <summary>
/// Reads the CK_MECHANISM parameter of C_WrapKey and C_UnwrapKey into the node's
/// <see cref="WrapParameters"/>. Anything the node would not do as asked is
/// CKR_MECHANISM_PARAM_INVALID; nothing is silently ignored.
/// </summary>
internal static unsafe class WrapMechanismParameters
{
    /// <summary>AES-GCM key wrap: the node makes a 12-byte IV and a 16-byte tag.</summary>
    public const int GcmIvLength = 12;

    private static ReadOnlySpan<byte> KeyWrapIv => [0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6];
    private static ReadOnlySpan<byte> KeyWrapPadIv => [0xA6, 0x59, 0x59, 0xA6];

    public static WrapMechanismParameter Read(CK_MECHANISM* mechanism, MechanismEntry entry)
    {
        var p = mechanism->pParameter;
        var length = mechanism->ulParameterLen;
        switch (entry.Parameter)
        {
            case ParameterKind.AesKeyWrap:
                // RFC 3394's default IV is the only one; PKCS#11 lets the caller spell it out. The PKCS#7 variant takes none.
                Check(length == 0 || (entry.Id == Ckm.AES_KEY_WRAP && p is not null && length == 8 && new ReadOnlySpan<byte>(p, 8).SequenceEqual(KeyWrapIv)));
                return new(new WrapParameters(), null);
            case ParameterKind.AesKeyWrapPad:
                Check(length == 0 || (p is not null && length == 4 && new ReadOnlySpan<byte>(p, 4).SequenceEqual(KeyWrapPadIv)));
                return new(new WrapParameters(), null);
            case ParameterKind.Gcm:
                return Gcm(p, length);
            case ParameterKind.Oaep:
                Check(p is not null && length == (ulong)sizeof(CK_RSA_PKCS_OAEP_PARAMS));
                return new(new WrapParameters { OaepHash = Oaep((CK_RSA_PKCS_OAEP_PARAMS*)p) }, null);
            case ParameterKind.RsaAesKeyWrap:
            {
                Check(p is not null && length == (ulong)sizeof(CK_RSA_AES_KEY_WRAP_PARAMS));
                var rsaAes = (CK_RSA_AES_KEY_WRAP_PARAMS*)p;
                Check(rsaAes->ulAESKeyBits is 128 or 192 or 256 && rsaAes->pOAEPParams is not null);
                return new(new WrapParameters { OaepHash = Oaep(rsaAes->pOAEPParams), AesKeyBits = (int)rsaAes->ulAESKeyBits }, null);
            }
            default:
                throw new CkException(Ckr.MECHANISM_INVALID);
        }
    }

    /// <summary>The node's OAEP: MGF1 of the same hash, no label.</summary>
    private static ulong Oaep(CK_RSA_PKCS_OAEP_PARAMS* oaep)
    {
        Check(Mechanisms.HashLength(oaep->hashAlg) > 0 && oaep->mgf == Mechanisms.Mgf1Of(oaep->hashAlg));
        Check(oaep->source is 0 or Ckm.Z_DATA_SPECIFIED && oaep->ulSourceDataLen == 0);
        return oaep->hashAlg;
    }

    /// <summary>
    /// AES-GCM key wrap: the node makes the IV (the module cannot choose one), so the caller gives a
    /// 12-byte IV buffer that receives it, and a 128-bit tag. The wrapped key is IV || ciphertext || tag,
    /// and unwrapping takes the same parameters (the IV given must be the wrapped key's own).
    /// </summary>
    private static WrapMechanismParameter Gcm(void* p, ulong length)
    {
        var fields = GcmFields.Read(p, length);
        byte* iv = fields.Iv, aad = fields.Aad;
        ulong ivLength = fields.IvLength, aadLength = fields.AadLength, tagBits = fields.TagBits;
        Check(iv is not null && ivLength == GcmIvLength && tagBits == 128);
        Check(aadLength == 0 || aad is not null);
        var parameters = new WrapParameters
        {
            Aad = aadLength == 0 ? ByteString.Empty : ByteString.CopyFrom(new ReadOnlySpan<byte>(aad, checked((int)aadLength))),
        };
        return new(parameters, iv);
    }

    private static void Check(bool condition)
    {
        if (!condition) throw new CkException(Ckr.MECHANISM_PARAM_INVALID);
    }
}
