using CloudHsm.Core.Errors;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Keys;

/// <summary>
/// Objects made from a template (C_CreateObject) or from another object (C_CopyObject). They are
/// key records like any key, through <see cref="KeyObjects"/>: owned by the CU that made them,
/// shared, found, counted against the partition's capacity and deleted the same way. A certificate's
/// or data object's CKA_VALUE is its material (sealed like key material, readable: it is no secret).
/// </summary>
public sealed class ObjectService(KeyObjects objects)
{
    /// <summary>The longest CKA_VALUE of a certificate or data object.</summary>
    public const int MaxValueBytes = 64 * 1024;

    private readonly KeyService _keys = new(objects);

    /// <summary>
    /// A new object of <paramref name="objectClass"/> from its template: an X.509 certificate, a data
    /// object, or a public key (RSA MODULUS/PUBLIC_EXPONENT, EC or Ed25519 EC_PARAMS/EC_POINT).
    /// Private and secret keys are never taken in clear (as Azure Cloud HSM): they come in wrapped
    /// or through a TRUSTED key-encryption key, so a template for one is RET_TEMPLATE_INCONSISTENT.
    /// </summary>
    public async ValueTask<ulong> CreateAsync(LoginContext caller, ObjectClass objectClass, AttributeSet template, CancellationToken ct = default)
    {
        objects.RequireUser(caller);
        if (template.Raw(AttributeId.Class) is { Length: 8 } && template.Number(AttributeId.Class) != (ulong)objectClass)
        {
            throw new HsmException(HsmError.RET_TEMPLATE_INCONSISTENT, "The template's CLASS is not the class of the object being made.");
        }
        switch (objectClass)
        {
            case ObjectClass.Certificate or ObjectClass.Data:
                return await CreateStorageObjectAsync(caller, objectClass, template, ct);
            case ObjectClass.PublicKey:
            {
                var type = (KeyType?)template.Number(AttributeId.KeyType)
                    ?? throw new HsmException(HsmError.RET_TEMPLATE_INCOMPLETE, "A public key's template names its KEY_TYPE.");
                var spki = PublicKeyAttributes.SubjectPublicKeyInfo(type, template);
                var rest = PublicKeyAttributes.KeyParts.Aggregate(template, (set, id) => set.Without(id));
                return await _keys.ImportPublicKeyAsync(caller, spki, rest, ct);
            }
            case ObjectClass.PrivateKey or ObjectClass.SecretKey:
                throw new HsmException(HsmError.RET_TEMPLATE_INCONSISTENT,
                    "Private and secret keys are not taken in clear: import them through a TRUSTED key-encryption key, or unwrap them.");
            default:
                throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, $"Objects of class {(int)objectClass} are not stored.");
        }
    }

    /// <summary>
    /// C_CopyObject: a new object with the original's material and attributes, changed as the template
    /// says within <see cref="AttributePolicy.ForCopy"/>. Only the owner copies; the copy is the
    /// owner's, shared with nobody, and a session object may be copied to the token (TOKEN = 1).
    /// </summary>
    public async ValueTask<ulong> CopyAsync(LoginContext caller, ulong handle, AttributeSet template, CancellationToken ct = default)
    {
        var original = objects.Owned(caller, handle, "copy");
        if (original.RetiredAt is not null)
        {
            throw new HsmException(HsmError.RET_KEY_RETIRED, "A rotated or retired key is not copied: the copy would not be retired.");
        }
        var restrictions = objects.State.FindUser(caller.Actor.Name)?.Restrictions ?? UserRestrictions.None;
        var attributes = AttributePolicy.ForCopy(original.Attributes, template, caller.Actor, actorIsOwner: true, restrictions);
        var handles = await objects.CreateSealedAsync(caller, [(attributes, original.SealedMaterial)], ct: ct);
        return handles[0];
    }

    private async ValueTask<ulong> CreateStorageObjectAsync(LoginContext caller, ObjectClass objectClass, AttributeSet template, CancellationToken ct)
    {
        var value = template.Raw(AttributeId.Value);
        if (value is null && objectClass == ObjectClass.Certificate)
        {
            throw new HsmException(HsmError.RET_TEMPLATE_INCOMPLETE, "A certificate object's template holds its VALUE (a DER X.509 certificate).");
        }
        value ??= [];
        if (value.Length > MaxValueBytes)
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, $"An object's VALUE is at most {MaxValueBytes} bytes.");
        }
        var derived = objectClass == ObjectClass.Certificate ? CertificateValue.Derive(value) : AttributeSet.Empty;
        var attributes = AttributePolicy.ForNewObject(objectClass, template.Without(AttributeId.Value), derived);
        var handles = await objects.CreateAsync(caller, [(attributes, value.ToArray())], ct: ct);
        return handles[0];
    }
}
