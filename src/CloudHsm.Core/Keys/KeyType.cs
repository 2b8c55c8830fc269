namespace CloudHsm.Core.Keys;

/// <summary>Key types with their PKCS#11 numbers (CKK_*); Azure's genSymKey -t uses the same (16, 31).</summary>
public enum KeyType
{
    Rsa = 0x00,
    Ec = 0x03,
    GenericSecret = 0x10,
    Aes = 0x1F,
    EcEdwards = 0x40,
}
