using CloudHsm.Pkcs11.Module;
using Google.Protobuf;
using CipherParameters = CloudHsm.Protocol.V1.CipherParameters;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>
/// Reads a CK_MECHANISM's parameter into what the node takes. Any structure of the wrong size or
/// with values the node does not do is CKR_MECHANISM_PARAM_INVALID.
/// </summary>
internal static unsafe class MechanismParameters
{
    public static CipherParameters? Read(CK_MECHANISM* mechanism, MechanismEntry entry)
    {
        var p = mechanism->pParameter;
        var length = mechanism->ulParameterLen;
        switch (entry.Parameter)
        {
            case ParameterKind.None:
                Check(length == 0);
                return null;
            case ParameterKind.CbcIv:
                Check(p is not null && length == 16);
                return new CipherParameters { Iv = ByteString.CopyFrom(new ReadOnlySpan<byte>(p, 16)) };
            case ParameterKind.Ctr:
            {
                Check(p is not null && length == (ulong)sizeof(CK_AES_CTR_PARAMS));
                var ctr = (CK_AES_CTR_PARAMS*)p;
                Check(ctr->ulCounterBits is > 0 and <= 128);
                return new CipherParameters { Iv = ByteString.CopyFrom(new ReadOnlySpan<byte>(ctr->cb, 16)), CounterBits = (int)ctr->ulCounterBits };
            }
            case ParameterKind.Gcm:
                return Gcm(p, length);
            case ParameterKind.Oaep:
            {
                Check(p is not null && length == (ulong)sizeof(CK_RSA_PKCS_OAEP_PARAMS));
                var oaep = (CK_RSA_PKCS_OAEP_PARAMS*)p;
                // The node's OAEP takes no label (source data) and uses MGF1 with the same hash.
                Check(Mechanisms.HashLength(oaep->hashAlg) > 0 && oaep->mgf == Mechanisms.Mgf1Of(oaep->hashAlg));
                Check(oaep->source is 0 or Ckm.Z_DATA_SPECIFIED && oaep->ulSourceDataLen == 0);
                return new CipherParameters { OaepHash = oaep->hashAlg };
            }
            case ParameterKind.Pss:
            {
                Check(p is not null && length == (ulong)sizeof(CK_RSA_PKCS_PSS_PARAMS));
                var pss = (CK_RSA_PKCS_PSS_PARAMS*)p;
                // The node signs PSS with MGF1 of the message hash and a salt as long as the hash.
                var hashLength = Mechanisms.HashLength(pss->hashAlg);
                Check(hashLength > 0 && pss->hashAlg != Ckm.SHA_1 && (entry.PssHash == 0 || pss->hashAlg == entry.PssHash));
                Check(pss->mgf == Mechanisms.Mgf1Of(pss->hashAlg) && pss->sLen == (ulong)hashLength);
                return null;
            }
            default:
                throw new CkException(Ckr.MECHANISM_PARAM_INVALID);
        }
    }

    private static CipherParameters Gcm(void* p, ulong length)
    {
        var fields = GcmFields.Read(p, length);
        byte* iv = fields.Iv, aad = fields.Aad;
        ulong ivLength = fields.IvLength, aadLength = fields.AadLength, tagBits = fields.TagBits;
        // The application gives the IV: the module has no way to hand back one the node would make.
        Check(iv is not null && ivLength is > 0 and <= 128 && tagBits % 8 == 0 && tagBits is >= 96 and <= 128);
        Check(aadLength == 0 || aad is not null);
        return new CipherParameters
        {
            Iv = ByteString.CopyFrom(new ReadOnlySpan<byte>(iv, (int)ivLength)),
            Aad = aadLength == 0 ? ByteString.Empty : ByteString.CopyFrom(new ReadOnlySpan<byte>(aad, checked((int)aadLength))),
            TagLength = (int)(tagBits / 8),
        };
    }

    private static void Check(bool condition)
    {
        if (!condition) throw new CkException(Ckr.MECHANISM_PARAM_INVALID);
    }
}
