using CloudHsm.Pkcs11.Module;
using Google.Protobuf;
using DeriveKeyRequest = CloudHsm.Protocol.V1.DeriveKeyRequest;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>
/// Reads the CK_MECHANISM parameter of C_DeriveKey into a <see cref="DeriveKeyRequest"/> (mechanism
/// and its parameters; the caller adds the key, type, length and template). What the node would not
/// compute exactly as asked is CKR_MECHANISM_PARAM_INVALID.
/// </summary>
internal static unsafe class DeriveMechanismParameters
{
    public static DeriveKeyRequest Read(CK_MECHANISM* mechanism, MechanismEntry entry)
    {
        var p = mechanism->pParameter;
        var length = mechanism->ulParameterLen;
        var request = new DeriveKeyRequest { Mechanism = entry.Id };
        switch (entry.Parameter)
        {
            case ParameterKind.Ecdh:
            {
                Check(p is not null && length == (ulong)sizeof(CK_ECDH1_DERIVE_PARAMS));
                var ecdh = (CK_ECDH1_DERIVE_PARAMS*)p;
                // No KDF: the key is the leading bytes of the shared x-coordinate. The peer's point is raw
                // (04|X|Y) or a DER OCTET STRING around it (what pkcs11-tool --derive-pass-der sends).
                Check(ecdh->kdf == Ckm.CKD_NULL && ecdh->ulSharedDataLen == 0);
                Check(ecdh->pPublicData is not null && ecdh->ulPublicDataLen is > 0 and <= 1024);
                request.PublicData = ByteString.CopyFrom(new ReadOnlySpan<byte>(ecdh->pPublicData, (int)ecdh->ulPublicDataLen));
                return request;
            }
            case ParameterKind.Sp800108:
                Check(p is not null && length == (ulong)sizeof(CK_SP800_108_KDF_PARAMS));
                CounterKdf((CK_SP800_108_KDF_PARAMS*)p, request);
                return request;
            default:
                throw new CkException(Ckr.MECHANISM_INVALID);
        }
    }

    /// <summary>
    /// The node computes SP 800-108 in counter mode as NIST and .NET lay it out: PRF(key, [i]32 || Label
    /// || 0x00 || Context || [L]32), counter and length big-endian, L the key's length in bits. So the
    /// data parameters must be exactly: a 32-bit big-endian iteration counter, byte arrays, then a
    /// 32-bit big-endian DKM length over the key (CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS). The byte arrays
    /// together are Label || 0x00 || Context, split at their first zero byte. No additional keys.
    /// </summary>
    private static void CounterKdf(CK_SP800_108_KDF_PARAMS* kdf, DeriveKeyRequest request)
    {
        Check(kdf->prfType is Ckm.SHA256_HMAC or Ckm.SHA384_HMAC or Ckm.SHA512_HMAC);
        Check(kdf->ulAdditionalDerivedKeys == 0);
        var count = kdf->ulNumberOfDataParams;
        Check(count is >= 2 and <= 64 && kdf->pDataParams is not null);
        var data = kdf->pDataParams;

        Check(data[0].type == Sp800108.ITERATION_VARIABLE && data[0].pValue is not null && data[0].ulValueLen == (ulong)sizeof(CK_SP800_108_COUNTER_FORMAT));
        var counter = (CK_SP800_108_COUNTER_FORMAT*)data[0].pValue;
        Check(counter->bLittleEndian == 0 && counter->ulWidthInBits == 32);

        var last = data[count - 1];
        Check(last.type == Sp800108.DKM_LENGTH && last.pValue is not null && last.ulValueLen == (ulong)sizeof(CK_SP800_108_DKM_LENGTH_FORMAT));
        var dkm = (CK_SP800_108_DKM_LENGTH_FORMAT*)last.pValue;
        Check(dkm->dkmLengthMethod == Sp800108.DKM_LENGTH_SUM_OF_KEYS && dkm->bLittleEndian == 0 && dkm->ulWidthInBits == 32);

        var fixedInput = new List<byte>();
        for (ulong i = 1; i < count - 1; i++)
        {
            Check(data[i].type == Sp800108.BYTE_ARRAY && data[i].ulValueLen <= 2049 && (data[i].ulValueLen == 0 || data[i].pValue is not null));
            fixedInput.AddRange(new ReadOnlySpan<byte>(data[i].pValue, (int)data[i].ulValueLen));
            Check(fixedInput.Count <= 2049);
        }
        var separator = fixedInput.IndexOf(0);
        Check(separator >= 0);
        var bytes = fixedInput.ToArray();
        request.Prf = kdf->prfType;
        request.Label = ByteString.CopyFrom(bytes, 0, separator);
        request.Context = ByteString.CopyFrom(bytes, separator + 1, bytes.Length - separator - 1);
    }

    private static void Check(bool condition)
    {
        if (!condition) throw new CkException(Ckr.MECHANISM_PARAM_INVALID);
    }
}
