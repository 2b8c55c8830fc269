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
            var rule = AttributeTable.Of(id) ?? throw new HsmException(HsmError.RET_ATTRIBUTE_TYPE_INVALID, $"Attribute {(int)id} is not known to the partition.");
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
        var rule = AttributeTable.Of(id) ?? throw new HsmException(HsmError.RET_ATTRIBUTE_TYPE_INVALID, $"Attribute {(int)id} is not known to the partition.");
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
    }
}
