using System.Formats.Asn1;
using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>Key generation: secret keys and key pairs, made by the node under its attribute policy.</summary>
internal static unsafe class KeyManagement
{
    private const string Ed25519Oid = "1.3.101.112";

    /// <summary>Named curves the node makes keys on (P-256, P-384, P-521, secp256k1).</summary>
    private static readonly string[] Curves = ["1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35", "1.3.132.0.10"];

    [UnmanagedCallersOnly(EntryPoint = "C_GenerateKey")]
    public static ulong C_GenerateKey(ulong hSession, CK_MECHANISM* pMechanism, CK_ATTRIBUTE* pTemplate, ulong ulCount, ulong* phKey)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            Native.Required(pMechanism);
            Native.Required(phKey);
            var mechanism = Mechanisms.Require(pMechanism->mechanism, Ckf.GENERATE);
            MechanismParameters.Read(pMechanism, mechanism);
            var template = Template.Read(pTemplate, ulCount);
            lock (session.Gate)
            {
                session.Module.RequireUser();
                session.RequireWritable(template.Token);
                var keyType = mechanism.KeyTypes[0];
                var length = template.Number(Cka.VALUE_LEN) ?? throw new CkException(Ckr.TEMPLATE_INCOMPLETE);
                if (length > int.MaxValue) throw new CkException(Ckr.KEY_SIZE_RANGE);
                var request = new GenerateKeyRequest { KeyType = keyType, LengthBytes = (int)length };
                request.Template.AddRange(template.Without(Cka.VALUE_LEN).ForNode(Cko.SECRET_KEY, keyType));
                var handle = session.Transport.Call(NodeMethods.GenerateKey, request, KeyHandles.Parser).Handles[0];
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

    [UnmanagedCallersOnly(EntryPoint = "C_GenerateKeyPair")]
    public static ulong C_GenerateKeyPair(ulong hSession, CK_MECHANISM* pMechanism, CK_ATTRIBUTE* pPublicKeyTemplate, ulong ulPublicKeyAttributeCount,
        CK_ATTRIBUTE* pPrivateKeyTemplate, ulong ulPrivateKeyAttributeCount, ulong* phPublicKey, ulong* phPrivateKey)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            Native.Required(pMechanism);
            Native.Required(phPublicKey);
            Native.Required(phPrivateKey);
            var mechanism = Mechanisms.Require(pMechanism->mechanism, Ckf.GENERATE_KEY_PAIR);
            MechanismParameters.Read(pMechanism, mechanism);
            var publicTemplate = Template.Read(pPublicKeyTemplate, ulPublicKeyAttributeCount);
            var privateTemplate = Template.Read(pPrivateKeyTemplate, ulPrivateKeyAttributeCount);
            lock (session.Gate)
            {
                session.Module.RequireUser();
                session.RequireWritable(publicTemplate.Token || privateTemplate.Token);
                var keyType = mechanism.KeyTypes[0];
                var parameter = PairParameter(mechanism.Id, publicTemplate, privateTemplate);
                var request = new GenerateKeyPairRequest { KeyType = keyType, Parameter = parameter };
                // The node computes these from the parameter; it takes them in no template.
                ulong[] computed = [Cka.MODULUS_BITS, Cka.PUBLIC_EXPONENT, Cka.EC_PARAMS];
                // A public key derives nothing; clients (OpenSC, Java) still ask CKA_DERIVE on it: accepted, and it reads CK_FALSE.
                request.PublicTemplate.AddRange(publicTemplate.Without([.. computed, Cka.DERIVE]).ForNode(Cko.PUBLIC_KEY, keyType));
                request.PrivateTemplate.AddRange(privateTemplate.Without(computed).ForNode(Cko.PRIVATE_KEY, keyType));
                var handles = session.Transport.Call(NodeMethods.GenerateKeyPair, request, KeyHandles.Parser).Handles;
                session.Made(handles[0], privateTemplate.Token);
                session.Made(handles[1], publicTemplate.Token);
                *phPrivateKey = handles[0];
                *phPublicKey = handles[1];
            }
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>The node's parameter: RSA modulus bits (CKA_MODULUS_BITS), the EC curve OID (CKA_EC_PARAMS), nothing for Ed25519.</summary>
    private static string PairParameter(ulong mechanism, Template publicTemplate, Template privateTemplate)
    {
        switch (mechanism)
        {
            case Ckm.RSA_PKCS_KEY_PAIR_GEN:
            {
                var bits = publicTemplate.Number(Cka.MODULUS_BITS) ?? throw new CkException(Ckr.TEMPLATE_INCOMPLETE);
                if (publicTemplate.Raw(Cka.PUBLIC_EXPONENT) is { } exponent && !IsF4(exponent)) throw new CkException(Ckr.ATTRIBUTE_VALUE_INVALID);
                if (bits is not (2048 or 3072 or 4096)) throw new CkException(Ckr.KEY_SIZE_RANGE);
                return bits.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            case Ckm.EC_KEY_PAIR_GEN:
            {
                var parameters = publicTemplate.Raw(Cka.EC_PARAMS) ?? privateTemplate.Raw(Cka.EC_PARAMS) ?? throw new CkException(Ckr.TEMPLATE_INCOMPLETE);
                var oid = NamedCurve(parameters);
                return Array.IndexOf(Curves, oid) >= 0 ? oid : throw new CkException(Ckr.CURVE_NOT_SUPPORTED);
            }
            case Ckm.EC_EDWARDS_KEY_PAIR_GEN:
            {
                var parameters = publicTemplate.Raw(Cka.EC_PARAMS) ?? privateTemplate.Raw(Cka.EC_PARAMS);
                if (parameters is not null && NamedCurve(parameters) is not (Ed25519Oid or "edwards25519")) throw new CkException(Ckr.CURVE_NOT_SUPPORTED);
                return "";
            }
            default:
                throw new CkException(Ckr.MECHANISM_INVALID);
        }
    }

    /// <summary>The curve of CKA_EC_PARAMS: a DER OID, or (PKCS#11 3.0, Edwards curves) a PrintableString name.</summary>
    private static string NamedCurve(byte[] parameters)
    {
        try
        {
            var reader = new AsnReader(parameters, AsnEncodingRules.DER);
            var tag = reader.PeekTag();
            var name = tag.HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.PrintableString))
                ? reader.ReadCharacterString(UniversalTagNumber.PrintableString)
                : reader.ReadObjectIdentifier();
            reader.ThrowIfNotEmpty();
            return name;
        }
        catch (AsnContentException)
        {
            throw new CkException(Ckr.ATTRIBUTE_VALUE_INVALID);
        }
    }

    /// <summary>True for 65537 (01 00 01, leading zeros allowed), the one exponent the node uses.</summary>
    private static bool IsF4(ReadOnlySpan<byte> exponent)
    {
        exponent = exponent.TrimStart((byte)0);
        return exponent.SequenceEqual((ReadOnlySpan<byte>)[1, 0, 1]);
    }
}
