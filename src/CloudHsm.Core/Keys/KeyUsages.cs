namespace CloudHsm.Core.Keys;

/// <summary>Which usage flags can mean anything for a class and type of key.</summary>
public static class KeyUsages
{
    public static IReadOnlySet<AttributeId> Possible(ObjectClass objectClass, KeyType keyType) => (objectClass, keyType) switch
    {
        (ObjectClass.SecretKey, KeyType.Aes) => Set(AttributeId.Encrypt, AttributeId.Decrypt, AttributeId.Wrap, AttributeId.Unwrap, AttributeId.Derive),
        (ObjectClass.SecretKey, KeyType.GenericSecret) => Set(AttributeId.Sign, AttributeId.Verify, AttributeId.Derive),
        (ObjectClass.PrivateKey, KeyType.Rsa) => Set(AttributeId.Decrypt, AttributeId.Unwrap, AttributeId.Sign),
        (ObjectClass.PublicKey, KeyType.Rsa) => Set(AttributeId.Encrypt, AttributeId.Wrap, AttributeId.Verify),
        (ObjectClass.PrivateKey, KeyType.Ec) => Set(AttributeId.Sign, AttributeId.Derive),
        (ObjectClass.PublicKey, KeyType.Ec) => Set(AttributeId.Verify),
        (ObjectClass.PrivateKey, KeyType.EcEdwards) => Set(AttributeId.Sign),
        (ObjectClass.PublicKey, KeyType.EcEdwards) => Set(AttributeId.Verify),
        _ => Set(),
    };

    /// <summary>The usages a new key gets when its template names none.</summary>
    public static IReadOnlySet<AttributeId> Default(ObjectClass objectClass, KeyType keyType) => Possible(objectClass, keyType);

    private static HashSet<AttributeId> Set(params AttributeId[] ids) => [.. ids];
}
