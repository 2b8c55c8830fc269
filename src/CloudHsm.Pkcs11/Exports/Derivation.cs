using System.Formats.Asn1;
using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>C_DeriveKey: ECDH (CKM_ECDH1_DERIVE, CKD_NULL) and the SP 800-108 counter KDF, made by the node.</summary>
internal static unsafe class Derivation
{
    /// <summary>
    /// Usages a generic secret cannot have that ECDH clients still ask of the secret they derive
    /// (OpenSSL's libp11 and pkcs11-tool: CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP, CKA_UNWRAP): accepted,
    /// and they read CK_FALSE, as CKA_DERIVE asked of a public key does. With CKA_VALUE_LEN, which the node takes apart.
    /// </summary>
    private static readonly ulong[] CipherUsages = [Cka.VALUE_LEN, Cka.ENCRYPT, Cka.DECRYPT, Cka.WRAP, Cka.UNWRAP];

    [UnmanagedCallersOnly(EntryPoint = "C_DeriveKey")]
    public static ulong C_DeriveKey(ulong hSession, CK_MECHANISM* pMechanism, ulong hBaseKey, CK_ATTRIBUTE* pTemplate, ulong ulAttributeCount, ulong* phKey)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            Native.Required(pMechanism);
            Native.Required(phKey);
            var mechanism = Mechanisms.Require(pMechanism->mechanism, Ckf.DERIVE);
            var template = Template.Read(pTemplate, ulAttributeCount);
            lock (session.Gate)
            {
                session.Module.RequireUser();
                session.RequireWritable(template.Token);
                var request = DeriveMechanismParameters.Read(pMechanism, mechanism);
                var baseKey = KeyObject.Fetch(session.Transport, hBaseKey, Ckr.KEY_HANDLE_INVALID);
                RequireBaseKey(baseKey, mechanism);
                if (template.Number(Cka.CLASS) is { } c && c != Cko.SECRET_KEY) throw new CkException(Ckr.TEMPLATE_INCONSISTENT);
                var keyType = template.Number(Cka.KEY_TYPE) ?? Ckk.GENERIC_SECRET;
                if (keyType is not (Ckk.AES or Ckk.GENERIC_SECRET)) throw new CkException(Ckr.TEMPLATE_INCONSISTENT);
                var length = template.Number(Cka.VALUE_LEN) ?? DefaultLength(mechanism, baseKey, keyType) ?? throw new CkException(Ckr.TEMPLATE_INCOMPLETE);
                if (length is 0 or > 800) throw new CkException(Ckr.KEY_SIZE_RANGE);
                request.BaseHandle = hBaseKey;
                request.KeyType = keyType;
                request.LengthBytes = (int)length;
                request.Template.AddRange(template.Without(keyType == Ckk.GENERIC_SECRET ? CipherUsages : [Cka.VALUE_LEN]).ForNode(Cko.SECRET_KEY, keyType));
                var handle = ErrorMap.WithErrorsAs(() => session.Transport.Call(NodeMethods.DeriveKey, request, KeyHandles.Parser).Handles[0],
                    ("RET_KEY_NOT_FOUND", Ckr.KEY_HANDLE_INVALID));
                session.Made(handle, template.Token);
                *phKey = handle;
            }
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>ECDH derives from an EC private key, the KDF from an AES or generic secret key; either needs CKA_DERIVE.</summary>
    private static void RequireBaseKey(KeyObject key, MechanismEntry mechanism)
    {
        var expectedClass = mechanism.Id == Ckm.ECDH1_DERIVE ? Cko.PRIVATE_KEY : Cko.SECRET_KEY;
        if (key.Class != expectedClass || Array.IndexOf(mechanism.KeyTypes, key.KeyType) < 0) throw new CkException(Ckr.KEY_TYPE_INCONSISTENT);
        if (!key.IsTrue(Cka.DERIVE)) throw new CkException(Ckr.KEY_FUNCTION_NOT_PERMITTED);
    }

    /// <summary>
    /// Without CKA_VALUE_LEN, ECDH gives the whole shared secret (the curve's field size) when the key
    /// type can be that long; the KDF has no natural length (CKR_TEMPLATE_INCOMPLETE).
    /// </summary>
    private static ulong? DefaultLength(MechanismEntry mechanism, KeyObject baseKey, ulong keyType)
    {
        if (mechanism.Id != Ckm.ECDH1_DERIVE || baseKey.Answer(Cka.EC_PARAMS, out var parameters) != AttributeAnswer.Value) return null;
        ulong? fieldBytes;
        try
        {
            fieldBytes = new AsnReader(parameters, AsnEncodingRules.DER).ReadObjectIdentifier() switch
            {
                "1.2.840.10045.3.1.7" => 32,
                "1.3.132.0.34" => 48,
                "1.3.132.0.35" => 66,
                _ => null,
            };
        }
        catch (AsnContentException)
        {
            return null;
        }
        return keyType == Ckk.AES && fieldBytes is not (16 or 24 or 32) ? null : fieldBytes;
    }
}
