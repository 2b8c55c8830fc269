using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CloudHsm.Client;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>Object management: search, attributes, destruction.</summary>
internal static unsafe class Objects
{
    [UnmanagedCallersOnly(EntryPoint = "C_FindObjectsInit")]
    public static ulong C_FindObjectsInit(ulong hSession, CK_ATTRIBUTE* pTemplate, ulong ulCount)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            lock (session.Gate)
            {
                if (session.Search is not null) return Ckr.OPERATION_ACTIVE;
                session.Search = new ObjectSearch(session.Transport, Template.Read(pTemplate, ulCount), session.Module.LoggedInAs is not null);
            }
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_FindObjects")]
    public static ulong C_FindObjects(ulong hSession, ulong* phObject, ulong ulMaxObjectCount, ulong* pulObjectCount)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            Native.Required(pulObjectCount);
            if (ulMaxObjectCount > 0) Native.Required(phObject);
            lock (session.Gate)
            {
                var search = session.Search ?? throw new CkException(Ckr.OPERATION_NOT_INITIALIZED);
                var found = search.Next((int)Math.Min(ulMaxObjectCount, 100_000));
                for (var i = 0; i < found.Count; i++) phObject[i] = found[i];
                *pulObjectCount = (ulong)found.Count;
            }
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_FindObjectsFinal")]
    public static ulong C_FindObjectsFinal(ulong hSession)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            lock (session.Gate)
            {
                if (session.Search is null) return Ckr.OPERATION_NOT_INITIALIZED;
                session.Search = null;
            }
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>
    /// Each attribute on its own: the value (or its length for a NULL buffer), or CK_UNAVAILABLE_INFORMATION
    /// with CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID or CKR_BUFFER_TOO_SMALL; every attribute
    /// is processed, and the first of those return values is returned.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "C_GetAttributeValue")]
    public static ulong C_GetAttributeValue(ulong hSession, ulong hObject, CK_ATTRIBUTE* pTemplate, ulong ulCount)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            if (ulCount > 0) Native.Required(pTemplate);
            lock (session.Gate)
            {
                var key = Visible(session, hObject);
                var rv = Ckr.OK;
                for (ulong i = 0; i < ulCount; i++)
                {
                    var attribute = &pTemplate[i];
                    var answer = key.Answer(attribute->type, out var value);
                    var fetched = answer == AttributeAnswer.SecretValue;
                    if (fetched) answer = ReadSecretValue(session, key, out value);
                    var result = answer switch
                    {
                        AttributeAnswer.Sensitive => Ckr.ATTRIBUTE_SENSITIVE,
                        AttributeAnswer.Invalid => Ckr.ATTRIBUTE_TYPE_INVALID,
                        _ => Write(value!, attribute),
                    };
                    if (fetched && value is not null) CryptographicOperations.ZeroMemory(value);
                    if (result != Ckr.OK)
                    {
                        attribute->ulValueLen = Ck.UNAVAILABLE_INFORMATION;
                        if (rv == Ckr.OK) rv = result;
                    }
                }
                return rv;
            }
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SetAttributeValue")]
    public static ulong C_SetAttributeValue(ulong hSession, ulong hObject, CK_ATTRIBUTE* pTemplate, ulong ulCount)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            var template = Template.Read(pTemplate, ulCount);
            lock (session.Gate)
            {
                var key = Visible(session, hObject);
                session.RequireWritable(key.IsToken || template.Bool(Cka.TOKEN) == true);
                session.Module.KeyDescriptions.Forget(hObject);
                foreach (var (type, value) in template.Attributes)
                {
                    ErrorMap.WithMissingKeyAs(Ckr.OBJECT_HANDLE_INVALID, () => session.Transport.Call(NodeMethods.SetAttribute,
                        new SetAttributeRequest { Handle = hObject, Attribute = type, Value = ByteString.CopyFrom(value) }, Empty.Parser));
                }
            }
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DestroyObject")]
    public static ulong C_DestroyObject(ulong hSession, ulong hObject)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            lock (session.Gate)
            {
                if (!session.ReadWrite) session.RequireWritable(Visible(session, hObject).IsToken);
                if (session.Module.LoggedInAs is null) throw new CkException(Ckr.OBJECT_HANDLE_INVALID);
                ErrorMap.WithMissingKeyAs(Ckr.OBJECT_HANDLE_INVALID,
                    () => session.Transport.Call(NodeMethods.DeleteKey, new KeyRef { Handle = hObject }, Empty.Parser));
                session.Module.KeyDescriptions.Forget(hObject);
                session.Destroyed(hObject);
            }
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>The object as the node describes it; without a login no object is visible.</summary>
    internal static KeyObject Visible(Session session, ulong handle)
    {
        if (session.Module.LoggedInAs is null) throw new CkException(Ckr.OBJECT_HANDLE_INVALID);
        return KeyObject.Fetch(session.Transport, handle, Ckr.OBJECT_HANDLE_INVALID);
    }

    /// <summary>
    /// CKA_VALUE of an extractable, non-sensitive secret key, a certificate or a data object: the one
    /// attribute that needs its own call. A refusal (a sensitive key, another user's private data
    /// object) reads as CKR_ATTRIBUTE_SENSITIVE.
    /// </summary>
    private static AttributeAnswer ReadSecretValue(Session session, KeyObject key, out byte[]? value)
    {
        try
        {
            value = session.Transport.Call(NodeMethods.GetAttribute, new GetAttributeRequest { Handle = key.Handle, Attribute = Cka.VALUE },
                AttributeValue.Parser).Value.ToByteArray();
            return AttributeAnswer.Value;
        }
        catch (HsmClientException e) when (e.ErrorName is "RET_ATTRIBUTE_SENSITIVE" or "RET_OPERATION_NOT_PERMITTED" or "RET_KEY_UNEXTRACTABLE")
        {
            value = null;
            return AttributeAnswer.Sensitive;
        }
    }

    private static ulong Write(byte[] value, CK_ATTRIBUTE* attribute)
    {
        if (attribute->pValue is null)
        {
            attribute->ulValueLen = (ulong)value.Length;
            return Ckr.OK;
        }
        if (attribute->ulValueLen < (ulong)value.Length) return Ckr.BUFFER_TOO_SMALL;
        value.CopyTo(new Span<byte>(attribute->pValue, value.Length));
        attribute->ulValueLen = (ulong)value.Length;
        return Ckr.OK;
    }
}
