using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>Objects from a template or from another object (C_CreateObject, C_CopyObject), and C_GetObjectSize.</summary>
internal static unsafe class ObjectCreation
{
    /// <summary>
    /// Certificates (CKC_X_509), data objects and public keys. Private and secret keys in clear are
    /// CKR_TEMPLATE_INCONSISTENT: PKCS#11 would allow them, but the partition (like Azure Cloud HSM)
    /// takes such keys only wrapped or through a TRUSTED key-encryption key, never as plain values.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "C_CreateObject")]
    public static ulong C_CreateObject(ulong hSession, CK_ATTRIBUTE* pTemplate, ulong ulCount, ulong* phObject)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            Native.Required(phObject);
            var template = Template.Read(pTemplate, ulCount);
            lock (session.Gate)
            {
                session.Module.RequireUser();
                session.RequireWritable(template.Token);
                var objectClass = template.Number(Cka.CLASS) ?? throw new CkException(Ckr.TEMPLATE_INCOMPLETE);
                if (objectClass is Cko.PRIVATE_KEY or Cko.SECRET_KEY) throw new CkException(Ckr.TEMPLATE_INCONSISTENT);
                if (objectClass is not (Cko.DATA or Cko.CERTIFICATE or Cko.PUBLIC_KEY)) throw new CkException(Ckr.ATTRIBUTE_VALUE_INVALID);
                var request = new CreateObjectRequest { ObjectClass = objectClass };
                request.Template.AddRange(template.ForNode(objectClass, keyType: null));
                var handle = session.Transport.Call(NodeMethods.CreateObject, request, KeyHandles.Parser).Handles[0];
                session.Made(handle, template.Token);
                *phObject = handle;
            }
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>
    /// A copy owned by the same user, changed as the template says where the node's policy allows
    /// (TOKEN and PRIVATE freely, the rest as C_SetAttributeValue would); without CKA_TOKEN in the
    /// template the copy is a token object exactly when the original is.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "C_CopyObject")]
    public static ulong C_CopyObject(ulong hSession, ulong hObject, CK_ATTRIBUTE* pTemplate, ulong ulCount, ulong* phNewObject)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            Native.Required(phNewObject);
            var template = Template.Read(pTemplate, ulCount);
            lock (session.Gate)
            {
                var original = Objects.Visible(session, hObject);
                var token = template.Bool(Cka.TOKEN) ?? original.IsToken;
                session.RequireWritable(token);
                var request = new CopyObjectRequest { Handle = hObject };
                request.Template.AddRange(template.AsGiven());
                var handle = ErrorMap.WithMissingKeyAs(Ckr.OBJECT_HANDLE_INVALID,
                    () => session.Transport.Call(NodeMethods.CopyObject, request, KeyHandles.Parser)).Handles[0];
                session.Made(handle, token);
                *phNewObject = handle;
            }
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }

    /// <summary>An approximate size, as PKCS#11 allows: the node's count of the object's attribute values and stored material.</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_GetObjectSize")]
    public static ulong C_GetObjectSize(ulong hSession, ulong hObject, ulong* pulSize)
    {
        try
        {
            var session = Pkcs11Module.Current.Session(hSession);
            Native.Required(pulSize);
            lock (session.Gate)
            {
                *pulSize = Objects.Visible(session, hObject).Size;
            }
            return Ckr.OK;
        }
        catch (Exception e)
        {
            return ErrorMap.Of(e);
        }
    }
}
