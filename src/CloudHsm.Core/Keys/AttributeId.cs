namespace CloudHsm.Core.Keys;

/// <summary>
/// Object attributes with their numbers: PKCS#11 CKA_* values, which are also Azure's attribute ids
/// (0 CLASS, 134 TRUSTED, 354 EXTRACTABLE, 528 WRAP_WITH_TRUSTED...). KCV is Azure's 371.
/// </summary>
public enum AttributeId
{
    Class = 0x000,
    Token = 0x001,
    Private = 0x002,
    Label = 0x003,
    Value = 0x011,
    Trusted = 0x086,
    KeyType = 0x100,
    Id = 0x102,
    Sensitive = 0x103,
    Encrypt = 0x104,
    Decrypt = 0x105,
    Wrap = 0x106,
    Unwrap = 0x107,
    Sign = 0x108,
    Verify = 0x10A,
    Derive = 0x10C,
    StartDate = 0x110,
    EndDate = 0x111,
    Modulus = 0x120,
    ModulusBits = 0x121,
    PublicExponent = 0x122,
    ValueLen = 0x161,
    Extractable = 0x162,
    Local = 0x163,
    NeverExtractable = 0x164,
    AlwaysSensitive = 0x165,
    KeyGenMechanism = 0x166,
    Modifiable = 0x170,
    Destroyable = 0x172,
    Kcv = 0x173,
    EcParams = 0x180,
    EcPoint = 0x181,
    WrapWithTrusted = 0x210,
    WrapTemplate = 0x40000211,
    UnwrapTemplate = 0x40000212,
}
