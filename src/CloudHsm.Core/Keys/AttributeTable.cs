namespace CloudHsm.Core.Keys;

/// <summary>The rules of every attribute the partition knows, in one table.</summary>
public static class AttributeTable
{
    private const AttributeRule Flag = AttributeRule.Boolean;
    private const AttributeRule UsageFlag = AttributeRule.Boolean | AttributeRule.Usage;
    private const AttributeRule Computed = AttributeRule.NodeComputed | AttributeRule.Immutable;

    private static readonly Dictionary<AttributeId, AttributeRule> Rules = new()
    {
        [AttributeId.Class] = AttributeRule.Number | AttributeRule.Immutable,
        [AttributeId.KeyType] = AttributeRule.Number | AttributeRule.Immutable,
        [AttributeId.Token] = Flag | AttributeRule.FalseToTrueOnly,
        [AttributeId.Private] = Flag | AttributeRule.Immutable,
        [AttributeId.Label] = AttributeRule.None,
        [AttributeId.Id] = AttributeRule.Immutable,
        [AttributeId.Value] = AttributeRule.Secret | AttributeRule.Immutable,
        [AttributeId.Trusted] = Flag | AttributeRule.OfficerOnly,
        [AttributeId.Sensitive] = Flag | AttributeRule.FalseToTrueOnly,
        [AttributeId.Extractable] = Flag | AttributeRule.TrueToFalseOnly,
        [AttributeId.WrapWithTrusted] = Flag | AttributeRule.FalseToTrueOnly,
        [AttributeId.Modifiable] = Flag | AttributeRule.TrueToFalseOnly,
        [AttributeId.Destroyable] = Flag | AttributeRule.TrueToFalseOnly,
        [AttributeId.Encrypt] = UsageFlag,
        [AttributeId.Decrypt] = UsageFlag,
        [AttributeId.Wrap] = UsageFlag,
        [AttributeId.Unwrap] = UsageFlag,
        [AttributeId.Sign] = UsageFlag,
        [AttributeId.Verify] = UsageFlag,
        [AttributeId.Derive] = UsageFlag,
        [AttributeId.StartDate] = AttributeRule.None,
        [AttributeId.EndDate] = AttributeRule.None,
        [AttributeId.ValueLen] = AttributeRule.Number | AttributeRule.Immutable,
        [AttributeId.ModulusBits] = AttributeRule.Number | AttributeRule.Immutable,
        [AttributeId.Modulus] = Computed,
        [AttributeId.PublicExponent] = AttributeRule.Immutable,
        [AttributeId.EcParams] = AttributeRule.Immutable,
        [AttributeId.EcPoint] = Computed,
        [AttributeId.Local] = Flag | Computed,
        [AttributeId.NeverExtractable] = Flag | Computed,
        [AttributeId.AlwaysSensitive] = Flag | Computed,
        [AttributeId.KeyGenMechanism] = AttributeRule.Number | Computed,
        [AttributeId.Kcv] = Computed,
        [AttributeId.WrapTemplate] = AttributeRule.Immutable,
        [AttributeId.UnwrapTemplate] = AttributeRule.Immutable,
        [AttributeId.Copyable] = Flag | AttributeRule.TrueToFalseOnly,
        [AttributeId.Subject] = AttributeRule.None,
        // certificates (X.509) and data objects
        [AttributeId.CertificateType] = AttributeRule.Number | AttributeRule.Immutable,
        [AttributeId.CertificateCategory] = AttributeRule.Number,
        [AttributeId.Issuer] = AttributeRule.None,
        [AttributeId.SerialNumber] = AttributeRule.None,
        [AttributeId.CheckValue] = Computed,
        [AttributeId.Application] = AttributeRule.None,
        [AttributeId.ObjectId] = AttributeRule.None,
    };

    /// <summary>What every object has, whatever its class (PKCS#11 "storage object" attributes).</summary>
    private static readonly HashSet<AttributeId> Common =
    [
        AttributeId.Class, AttributeId.Token, AttributeId.Private, AttributeId.Label,
        AttributeId.Modifiable, AttributeId.Copyable, AttributeId.Destroyable,
    ];

    private static readonly HashSet<AttributeId> DataOnly = [AttributeId.Application, AttributeId.ObjectId, AttributeId.Value];

    private static readonly HashSet<AttributeId> CertificateOnly =
    [
        AttributeId.CertificateType, AttributeId.Trusted, AttributeId.CertificateCategory, AttributeId.CheckValue,
        AttributeId.StartDate, AttributeId.EndDate, AttributeId.Subject, AttributeId.Id, AttributeId.Issuer,
        AttributeId.SerialNumber, AttributeId.Value,
    ];

    /// <summary>Attributes no key has: those of certificates and data objects alone.</summary>
    private static readonly HashSet<AttributeId> NotForKeys =
    [
        AttributeId.Application, AttributeId.ObjectId, AttributeId.CertificateType, AttributeId.CertificateCategory,
        AttributeId.Issuer, AttributeId.SerialNumber, AttributeId.CheckValue,
    ];

    /// <summary>The rules of an attribute, or null when the partition does not know it.</summary>
    public static AttributeRule? Of(AttributeId id) => Rules.TryGetValue(id, out var rule) ? rule : null;

    public static bool Has(AttributeId id, AttributeRule rule) => Of(id) is { } r && (r & rule) == rule;

    public static IEnumerable<AttributeId> Known => Rules.Keys;

    /// <summary>Whether an object of a class can have the attribute at all (CKR_ATTRIBUTE_TYPE_INVALID otherwise).</summary>
    public static bool AppliesTo(ObjectClass objectClass, AttributeId id) => objectClass switch
    {
        ObjectClass.Data => Common.Contains(id) || DataOnly.Contains(id),
        ObjectClass.Certificate => Common.Contains(id) || CertificateOnly.Contains(id),
        ObjectClass.SecretKey => Rules.ContainsKey(id) && !NotForKeys.Contains(id) && id != AttributeId.Subject,
        _ => Rules.ContainsKey(id) && !NotForKeys.Contains(id),
    };
}
