namespace CloudHsm.Core.Keys;

/// <summary>Classes of partition objects, with their PKCS#11 numbers (CKO_*).</summary>
public enum ObjectClass
{
    Data = 0,
    Certificate = 1,
    PublicKey = 2,
    PrivateKey = 3,
    SecretKey = 4,
}
