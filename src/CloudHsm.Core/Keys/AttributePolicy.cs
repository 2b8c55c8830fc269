using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Keys;

/// <summary>
/// The one place that decides what a template may say, who may change which attribute and how,
/// and what may be read. Create, generate, unwrap, import, copy, set and get all go through it.
/// </summary>
public static class AttributePolicy
{
    /// <summary>The longest value any attribute takes (a certificate's SUBJECT or ISSUER stays far below).</summary>
    private const int MaxValueLength = 16 * 1024;

    /// <summary>How a new object came to be, which fixes LOCAL and the history attributes.</summary>
    public enum Origin
    {
        /// <summary>Generated inside the partition.</summary>
        Generated,
        /// <summary>Unwrapped or imported from outside: never "always sensitive" or "never extractable".</summary>
        Imported,
        /// <summary>Derived from a base key: the history attributes carry the base key's history on.</summary>
        Derived,
    }

    /// <summary>
    /// Checks a template for a new key and returns its full attribute set: defaults filled in,
    /// node-computed attributes set. Throws the specific refusal for the first bad attribute.
    /// </summary>
    public static AttributeSet ForNewKey(ObjectClass objectClass, KeyType keyType, AttributeSet template, Origin origin, AttributeSet? baseKey = null)
    {
        var possible = KeyUsages.Possible(objectClass, keyType);
        foreach (var (id, value) in template.Values)
        {
            var rule = RuleFor(objectClass, id);
            if (rule.HasFlag(AttributeRule.NodeComputed))
            {
                throw new HsmException(HsmError.RET_ATTRIBUTE_READ_ONLY, $"{id} is set by the partition, not by a template.");
            }
            CheckShape(id, rule, value);
            if (id == AttributeId.Trusted && value[0] != 0)
            {
                throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "Only a CO marks a key TRUSTED, on a key that exists.");
            }
            if (id is AttributeId.Class or AttributeId.KeyType)
            {
                var expected = id == AttributeId.Class ? (ulong)objectClass : (ulong)keyType;
                if (template.Number(id) != expected)
                {
                    throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, $"The template's {id} does not match the key being made.");
                }
            }
            if (rule.HasFlag(AttributeRule.Usage) && value[0] != 0 && !possible.Contains(id))
            {
                throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, $"A {keyType} {objectClass} cannot be used to {id}.");
            }
        }
        var isSecret = objectClass is ObjectClass.PrivateKey or ObjectClass.SecretKey;
        var set = template
            .With(AttributeId.Class, (ulong)objectClass)
            .With(AttributeId.KeyType, (ulong)keyType);
        // The API makes token (persistent) keys unless TOKEN = 0 is asked; the PKCS#11 module applies
        // PKCS#11's own default (session object) by always sending TOKEN.
        set = Default(set, AttributeId.Token, true);
        set = Default(set, AttributeId.Private, isSecret);
        set = Default(set, AttributeId.Modifiable, true);
        set = Default(set, AttributeId.Destroyable, true);
        set = Default(set, AttributeId.Trusted, false);
        set = Default(set, AttributeId.WrapWithTrusted, false);
        if (!template.Contains(AttributeId.Label)) set = set.With(AttributeId.Label, "");
        var namesUsage = possible.Any(template.Contains);
        foreach (var usage in possible)
        {
            set = Default(set, usage, !namesUsage && KeyUsages.Default(objectClass, keyType).Contains(usage));
        }
        if (isSecret)
        {
            set = Default(set, AttributeId.Sensitive, true);
            set = Default(set, AttributeId.Extractable, true);
            var generated = origin == Origin.Generated;
            var history = origin == Origin.Derived && baseKey is not null;
            set = set
                .With(AttributeId.Local, generated)
                .With(AttributeId.AlwaysSensitive, (generated || (history && baseKey!.IsTrue(AttributeId.AlwaysSensitive))) && set.IsTrue(AttributeId.Sensitive))
                .With(AttributeId.NeverExtractable, (generated || (history && baseKey!.IsTrue(AttributeId.NeverExtractable))) && !set.IsTrue(AttributeId.Extractable));
        }
        else
        {
            set = set.With(AttributeId.Local, origin == Origin.Generated);
        }
        return set;
    }

    /// <summary>
    /// Checks one attribute change by <paramref name="actor"/> and returns the changed set. The owner
    /// (a CU) changes what the rules allow; a CO changes TRUSTED only; nobody changes an unmodifiable key.
    /// </summary>
    public static AttributeSet Change(AttributeSet current, AttributeId id, byte[] value, Actor actor, bool actorIsOwner, UserRestrictions restrictions)
    {
        var rule = RuleFor((ObjectClass)(current.Number(AttributeId.Class) ?? 0), id);
        if (rule.HasFlag(AttributeRule.OfficerOnly))
        {
            if (actor.Type != UserType.CO)
            {
                throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, $"Only a CO sets {id}.");
            }
        }
        else if (actor.Type != UserType.CU || !actorIsOwner)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "Only the CU that owns a key changes its attributes.");
        }
        else if (restrictions.HasFlag(UserRestrictions.NoModifyAttributes))
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "A CO has forbidden this user to modify attributes (setUserAttributes).");
        }
        if (current.Bool(AttributeId.Modifiable) == false)
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_READ_ONLY, "The key is not modifiable (MODIFIABLE = 0).");
        }
        if (rule.HasFlag(AttributeRule.Immutable) || rule.HasFlag(AttributeRule.NodeComputed))
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_READ_ONLY, $"{id} cannot change once the key exists.");
        }
        CheckShape(id, rule, value);
        if (rule.HasFlag(AttributeRule.Boolean))
        {
            var now = current.Bool(id) ?? false;
            var next = value[0] != 0;
            if (rule.HasFlag(AttributeRule.TrueToFalseOnly) && !now && next)
            {
                throw new HsmException(HsmError.RET_ATTRIBUTE_READ_ONLY, $"{id} can go from 1 to 0 only.");
            }
            if (rule.HasFlag(AttributeRule.FalseToTrueOnly) && now && !next)
            {
                throw new HsmException(HsmError.RET_ATTRIBUTE_READ_ONLY, $"{id} can go from 0 to 1 only.");
            }
            if (rule.HasFlag(AttributeRule.Usage) && next)
            {
                var objectClass = (ObjectClass)(current.Number(AttributeId.Class) ?? 0);
                var keyType = (KeyType)(current.Number(AttributeId.KeyType) ?? 0);
                if (!KeyUsages.Possible(objectClass, keyType).Contains(id))
                {
                    throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, $"A {keyType} {objectClass} cannot be used to {id}.");
                }
            }
        }
        return current.With(id, value);
    }

    /// <summary>
    /// Checks a template for a new certificate or data object and returns its full attribute set.
    /// The object's CKA_VALUE is not in <paramref name="template"/> (it is the object's material);
    /// <paramref name="derived"/> holds what the node read from it: for a certificate CHECK_VALUE
    /// (set) and SUBJECT, ISSUER, SERIAL_NUMBER (defaults the template may override).
    /// </summary>
    public static AttributeSet ForNewObject(ObjectClass objectClass, AttributeSet template, AttributeSet derived)
    {
        if (objectClass is not (ObjectClass.Certificate or ObjectClass.Data))
        {
            throw new HsmException(HsmError.RET_INVALID_INPUT, $"A {objectClass} is not a certificate or data object.");
        }
        foreach (var (id, value) in template.Values)
        {
            var rule = RuleFor(objectClass, id);
            CheckShape(id, rule, value);
            if (rule.HasFlag(AttributeRule.NodeComputed) && !(derived.Raw(id) is { } computed && computed.AsSpan().SequenceEqual(value)))
            {
                // PKCS#11 lets a template state CHECK_VALUE, provided it is the true one.
                throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, $"{id} is computed by the partition and the template's value is not it.");
            }
            if (id == AttributeId.Trusted && value[0] != 0)
            {
                throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "Only a CO marks a certificate TRUSTED, on a certificate that exists.");
            }
            if (id == AttributeId.Class && template.Number(id) != (ulong)objectClass)
            {
                throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, "The template's Class does not match the object being made.");
            }
            if (id == AttributeId.CertificateType && template.Number(id) != X509CertificateType)
            {
                throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, "Only X.509 certificates (CKC_X_509) are stored.");
            }
        }
        if (objectClass == ObjectClass.Certificate && !template.Contains(AttributeId.CertificateType))
        {
            throw new HsmException(HsmError.RET_TEMPLATE_INCOMPLETE, "A certificate's template names its CERTIFICATE_TYPE (CKC_X_509).");
        }
        var set = template.With(AttributeId.Class, (ulong)objectClass);
        set = Default(set, AttributeId.Token, true);
        set = Default(set, AttributeId.Private, objectClass == ObjectClass.Data);
        set = Default(set, AttributeId.Modifiable, true);
        set = Default(set, AttributeId.Destroyable, true);
        if (!set.Contains(AttributeId.Label)) set = set.With(AttributeId.Label, "");
        if (objectClass == ObjectClass.Certificate)
        {
            set = Default(set, AttributeId.Trusted, false);
            if (!set.Contains(AttributeId.CertificateCategory)) set = set.With(AttributeId.CertificateCategory, 0UL);
        }
        else
        {
            if (!set.Contains(AttributeId.Application)) set = set.With(AttributeId.Application, "");
            if (!set.Contains(AttributeId.ObjectId)) set = set.With(AttributeId.ObjectId, []);
        }
        foreach (var (id, value) in derived.Values)
        {
            if (AttributeTable.Has(id, AttributeRule.NodeComputed) || !set.Contains(id)) set = set.With(id, value);
        }
        return set;
    }

    /// <summary>CKC_X_509, the one certificate type stored.</summary>
    public const ulong X509CertificateType = 0;

    /// <summary>
    /// The attributes of a copy (C_CopyObject): the original's, TRUSTED cleared (a CO marks the copy
    /// again), with the template's changes. TOKEN, PRIVATE, LABEL and ID may take any value (a session
    /// object copied to the token under a new label and ID is how Java's keystore stores a key; the
    /// copy is a new object, so its ID is new too); every other change follows <see cref="Change"/>,
    /// so a copy obeys the same one-way rules as the original (EXTRACTABLE 1 -> 0, SENSITIVE 0 -> 1...).
    /// The history attributes (LOCAL, ALWAYS_SENSITIVE, NEVER_EXTRACTABLE, KCV) carry over as they
    /// are: the material is the same, and a key that was ever extractable never had NEVER_EXTRACTABLE.
    /// </summary>
    public static AttributeSet ForCopy(AttributeSet original, AttributeSet template, Actor actor, bool actorIsOwner, UserRestrictions restrictions)
    {
        if (original.Bool(AttributeId.Copyable) == false)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "The object is not copyable (COPYABLE = 0).");
        }
        var objectClass = (ObjectClass)(original.Number(AttributeId.Class) ?? 0);
        var copy = original.Contains(AttributeId.Trusted) ? original.With(AttributeId.Trusted, false) : original;
        foreach (var (id, value) in template.Values)
        {
            if (copy.Raw(id) is { } same && same.AsSpan().SequenceEqual(value)) continue; // restating a value changes nothing
            var rule = RuleFor(objectClass, id);
            if (id is AttributeId.Token or AttributeId.Private or AttributeId.Label or AttributeId.Id)
            {
                if (id is AttributeId.Label or AttributeId.Id && restrictions.HasFlag(UserRestrictions.NoModifyAttributes))
                {
                    throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "A CO has forbidden this user to modify attributes (setUserAttributes).");
                }
                CheckShape(id, rule, value);
                copy = copy.With(id, value);
                continue;
            }
            copy = Change(copy, id, value, actor, actorIsOwner, restrictions);
        }
        return copy;
    }

    /// <summary>The value of an attribute for a reader, or the refusal: secrets of a sensitive or non-extractable key stay inside.</summary>
    public static byte[] Read(AttributeSet set, AttributeId id)
    {
        var rule = AttributeTable.Of(id) ?? throw new HsmException(HsmError.RET_ATTRIBUTE_TYPE_INVALID, $"Attribute {(int)id} is not known to the partition.");
        if (rule.HasFlag(AttributeRule.Secret) && IsSecretObject(set)
            && (set.IsTrue(AttributeId.Sensitive) || !set.IsTrue(AttributeId.Extractable)))
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_SENSITIVE, $"{id} of a sensitive or non-extractable key is never returned.");
        }
        return set.Raw(id) ?? throw new HsmException(HsmError.RET_ATTRIBUTE_TYPE_INVALID, $"The object has no {id}.");
    }

    /// <summary>The rules of an attribute an object of the class can have; RET_ATTRIBUTE_TYPE_INVALID otherwise.</summary>
    private static AttributeRule RuleFor(ObjectClass objectClass, AttributeId id)
    {
        var rule = AttributeTable.Of(id) ?? throw new HsmException(HsmError.RET_ATTRIBUTE_TYPE_INVALID, $"Attribute {(int)id} is not known to the partition.");
        return AttributeTable.AppliesTo(objectClass, id)
            ? rule
            : throw new HsmException(HsmError.RET_ATTRIBUTE_TYPE_INVALID, $"A {objectClass} has no {id} attribute.");
    }

    private static bool IsSecretObject(AttributeSet set) =>
        (ObjectClass?)(int?)set.Number(AttributeId.Class) is ObjectClass.PrivateKey or ObjectClass.SecretKey;

    private static AttributeSet Default(AttributeSet set, AttributeId id, bool value) => set.Contains(id) ? set : set.With(id, value);

    private static void CheckShape(AttributeId id, AttributeRule rule, byte[] value)
    {
        if (rule.HasFlag(AttributeRule.Boolean) && (value.Length != 1 || value[0] > 1))
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, $"{id} takes 0 or 1.");
        }
        if (rule.HasFlag(AttributeRule.Number) && value.Length != 8)
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, $"{id} takes a number.");
        }
        if (id == AttributeId.Label && value.Length > 127)
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, "A label is at most 127 bytes.");
        }
        if (id == AttributeId.Id && value.Length > 128)
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, "An ID is at most 128 bytes.");
        }
        if (id is AttributeId.StartDate or AttributeId.EndDate && value.Length is not (0 or 8))
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, $"{id} is a CK_DATE (YYYYMMDD) or empty.");
        }
        if (value.Length > MaxValueLength)
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, $"{id} is at most {MaxValueLength} bytes.");
        }
    }
}
