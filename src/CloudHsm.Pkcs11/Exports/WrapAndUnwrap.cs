using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>
/// C_WrapKey and C_UnwrapKey over the node's key transfer (AES key wrap with and without padding,
/// AES-GCM, RSA-OAEP, RSA-AES key wrap). The module checks the handles, classes and usage flags
/// first so that each refusal has its own CK_RV; the node checks them again with the rest of its
/// policy (ownership, EXTRACTABLE, WRAP_WITH_TRUSTED, user restrictions).
/// </summary>
internal static unsafe class WrapAndUnwrap
{
    [UnmanagedCallersOnly(EntryPoint = "C_WrapKey")]
    public static ulong C_WrapKey(ulong hSession, CK_MECHANISM* pMechanism, ulong hWrappingKey, ulong hKey, byte* pWrappedKey, ulong* pulWrappedKeyLen)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            Native.Required(pMechanism);
            Native.Required(pulWrappedKeyLen);
            var mechanism = Mechanisms.Require(pMechanism->mechanism, Ckf.WRAP);
            lock (session.Gate)
            {
                session.Module.RequireUser();
                var parameter = WrapMechanismParameters.Read(pMechanism, mechanism);
                var request = new WrapKeyRequest { Handle = hKey, WrappingHandle = hWrappingKey, Mechanism = mechanism.Id, Parameters = parameter.Parameters };
                var pending = session.PendingWrap;
                if (pending is null || !pending.IsFor(request))
                {
                    session.KeepWrap(null);
                    pending = new PendingWrap(request, Wrap(session.Transport, mechanism, request));
                    session.KeepWrap(pending);
                }
                var rv = Native.Out(pending.Wrapped, pWrappedKey, pulWrappedKeyLen, out var delivered);
                if (delivered)
                {
                    if (parameter.GcmIv is not null) pending.Wrapped.AsSpan(0, WrapMechanismParameters.GcmIvLength).CopyTo(new Span<byte>(parameter.GcmIv, WrapMechanismParameters.GcmIvLength));
                    session.KeepWrap(null);
                }
                return rv;
            }
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_UnwrapKey")]
    public static ulong C_UnwrapKey(ulong hSession, CK_MECHANISM* pMechanism, ulong hUnwrappingKey, byte* pWrappedKey, ulong ulWrappedKeyLen,
        CK_ATTRIBUTE* pTemplate, ulong ulAttributeCount, ulong* phKey)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            Native.Required(pMechanism);
            Native.Required(pWrappedKey);
            Native.Required(phKey);
            var mechanism = Mechanisms.Require(pMechanism->mechanism, Ckf.UNWRAP);
            var wrapped = Native.In(pWrappedKey, ulWrappedKeyLen);
            var template = Template.Read(pTemplate, ulAttributeCount);
            lock (session.Gate)
            {
                session.Module.RequireUser();
                session.RequireWritable(template.Token);
                var parameter = WrapMechanismParameters.Read(pMechanism, mechanism);
                if (parameter.GcmIv is not null && (wrapped.Length < WrapMechanismParameters.GcmIvLength
                    || !wrapped[..WrapMechanismParameters.GcmIvLength].SequenceEqual(new ReadOnlySpan<byte>(parameter.GcmIv, WrapMechanismParameters.GcmIvLength))))
                {
                    // The IV the wrap wrote back is part of the wrapped key; another one cannot open it.
                    throw new CkException(wrapped.Length < WrapMechanismParameters.GcmIvLength ? Ckr.WRAPPED_KEY_LEN_RANGE : Ckr.MECHANISM_PARAM_INVALID);
                }
                var unwrappingKey = KeyObject.Fetch(session.Transport, hUnwrappingKey, Ckr.UNWRAPPING_KEY_HANDLE_INVALID);
                RequireWrappingKey(unwrappingKey, mechanism, wrapping: false);
                var (objectClass, keyType) = IncomingClassAndType(template);
                // CKA_VALUE_LEN is the node's to compute; asked for, it must match what the wrapped key holds.
                var valueLength = template.Number(Cka.VALUE_LEN);
                if (valueLength is not null && objectClass != Cko.SECRET_KEY) throw new CkException(Ckr.TEMPLATE_INCONSISTENT);
                var request = new UnwrapKeyRequest
                {
                    UnwrappingHandle = hUnwrappingKey,
                    Mechanism = mechanism.Id,
                    Parameters = parameter.Parameters,
                    Wrapped = ByteString.CopyFrom(wrapped),
                    ObjectClass = objectClass,
                    KeyType = objectClass == Cko.SECRET_KEY ? keyType : 0,
                };
                request.Template.AddRange(template.Without(Cka.VALUE_LEN).ForNode(objectClass, keyType));
                var handle = ErrorMap.WithErrorsAs(() => session.Transport.Call(NodeMethods.UnwrapKey, request, KeyHandles.Parser).Handles[0],
                    ("RET_DATA_LEN_RANGE", Ckr.WRAPPED_KEY_LEN_RANGE),
                    ("RET_KEY_SIZE_RANGE", Ckr.WRAPPED_KEY_INVALID),
                    ("RET_KEY_TYPE_INCONSISTENT", Ckr.TEMPLATE_INCONSISTENT),
                    ("RET_KEY_NOT_FOUND", Ckr.UNWRAPPING_KEY_HANDLE_INVALID));
                if (valueLength is { } asked && !HasValueLength(session.Transport, handle, asked))
                {
                    Destroy(session.Transport, handle);
                    throw new CkException(Ckr.TEMPLATE_INCONSISTENT);
                }
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

    private static byte[] Wrap(IModuleTransport transport, MechanismEntry mechanism, WrapKeyRequest request)
    {
        var wrappingKey = KeyObject.Fetch(transport, request.WrappingHandle, Ckr.WRAPPING_KEY_HANDLE_INVALID);
        RequireWrappingKey(wrappingKey, mechanism, wrapping: true);
        var key = KeyObject.Fetch(transport, request.Handle, Ckr.KEY_HANDLE_INVALID);
        if (!key.HoldsSecret || key.Handle == wrappingKey.Handle) throw new CkException(Ckr.KEY_NOT_WRAPPABLE);
        if (!key.IsTrue(Cka.EXTRACTABLE)) throw new CkException(Ckr.KEY_UNEXTRACTABLE);
        return ErrorMap.WithErrorsAs(() => transport.Call(NodeMethods.WrapKey, request, WrappedKey.Parser).Data.ToByteArray(),
            // too long for RSA-OAEP, or not a multiple of 8 bytes for unpadded AES key wrap
            ("RET_DATA_LEN_RANGE", Ckr.KEY_SIZE_RANGE),
            ("RET_KEY_TYPE_INCONSISTENT", Ckr.WRAPPING_KEY_TYPE_INCONSISTENT),
            ("RET_KEY_NOT_FOUND", Ckr.KEY_HANDLE_INVALID));
    }

    /// <summary>AES mechanisms wrap and unwrap with an AES key; RSA ones wrap with the public key and unwrap with the private key.</summary>
    private static void RequireWrappingKey(KeyObject key, MechanismEntry mechanism, bool wrapping)
    {
        var rsa = mechanism.KeyTypes[0] == Ckk.RSA;
        var expectedClass = !rsa ? Cko.SECRET_KEY : wrapping ? Cko.PUBLIC_KEY : Cko.PRIVATE_KEY;
        if (key.Class != expectedClass || Array.IndexOf(mechanism.KeyTypes, key.KeyType) < 0)
        {
            throw new CkException(wrapping ? Ckr.WRAPPING_KEY_TYPE_INCONSISTENT : Ckr.UNWRAPPING_KEY_TYPE_INCONSISTENT);
        }
        if (!key.IsTrue(wrapping ? Cka.WRAP : Cka.UNWRAP)) throw new CkException(Ckr.KEY_FUNCTION_NOT_PERMITTED);
    }

    /// <summary>
    /// The class and key type the unwrap template must name (CKR_TEMPLATE_INCOMPLETE without them):
    /// a secret key (AES or generic secret) or a private key (RSA, EC, Ed25519: the wrapped PKCS#8 says which, and must agree).
    /// </summary>
    private static (ulong Class, ulong KeyType) IncomingClassAndType(Template template)
    {
        var objectClass = template.Number(Cka.CLASS) ?? throw new CkException(Ckr.TEMPLATE_INCOMPLETE);
        var keyType = template.Number(Cka.KEY_TYPE) ?? throw new CkException(Ckr.TEMPLATE_INCOMPLETE);
        var fits = objectClass switch
        {
            Cko.SECRET_KEY => keyType is Ckk.AES or Ckk.GENERIC_SECRET,
            Cko.PRIVATE_KEY => keyType is Ckk.RSA or Ckk.EC or Ckk.EC_EDWARDS,
            _ => false,
        };
        return fits ? (objectClass, keyType) : throw new CkException(Ckr.TEMPLATE_INCONSISTENT);
    }

    private static bool HasValueLength(IModuleTransport transport, ulong handle, ulong length)
    {
        var key = new KeyObject(transport.Call(NodeMethods.GetKeyInfo, new KeyRef { Handle = handle }, KeyInfo.Parser));
        return key.Answer(Cka.VALUE_LEN, out var value) == AttributeAnswer.Value && value is { Length: 8 }
            && System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(value) == length;
    }

    private static void Destroy(IModuleTransport transport, ulong handle)
    {
        try
        {
            transport.Call(NodeMethods.DeleteKey, new KeyRef { Handle = handle }, Empty.Parser);
        }
        catch (Client.HsmClientException)
        {
            // a session key goes with the login anyway; the refusal the caller sees is the template's
        }
    }
}
