namespace CloudHsm.Pkcs11.Abi;

// PKCS#11 v2.40 numbers, named as the standard's header names them: this is the ABI edge.
#pragma warning disable CA1707, IDE1006

/// <summary>Return values (CK_RV).</summary>
internal static class Ckr
{
    public const ulong OK = 0x0;
    public const ulong HOST_MEMORY = 0x2;
    public const ulong SLOT_ID_INVALID = 0x3;
    public const ulong GENERAL_ERROR = 0x5;
    public const ulong FUNCTION_FAILED = 0x6;
    public const ulong ARGUMENTS_BAD = 0x7;
    public const ulong CANT_LOCK = 0xA;
    public const ulong ATTRIBUTE_READ_ONLY = 0x10;
    public const ulong ATTRIBUTE_SENSITIVE = 0x11;
    public const ulong ATTRIBUTE_TYPE_INVALID = 0x12;
    public const ulong ATTRIBUTE_VALUE_INVALID = 0x13;
    public const ulong ACTION_PROHIBITED = 0x1B;
    public const ulong DATA_INVALID = 0x20;
    public const ulong DATA_LEN_RANGE = 0x21;
    public const ulong DEVICE_ERROR = 0x30;
    public const ulong DEVICE_MEMORY = 0x31;
    public const ulong DEVICE_REMOVED = 0x32;
    public const ulong ENCRYPTED_DATA_INVALID = 0x40;
    public const ulong ENCRYPTED_DATA_LEN_RANGE = 0x41;
    public const ulong FUNCTION_NOT_SUPPORTED = 0x54;
    public const ulong KEY_HANDLE_INVALID = 0x60;
    public const ulong KEY_SIZE_RANGE = 0x62;
    public const ulong KEY_TYPE_INCONSISTENT = 0x63;
    public const ulong KEY_FUNCTION_NOT_PERMITTED = 0x68;
    public const ulong KEY_NOT_WRAPPABLE = 0x69;
    public const ulong KEY_UNEXTRACTABLE = 0x6A;
    public const ulong MECHANISM_INVALID = 0x70;
    public const ulong MECHANISM_PARAM_INVALID = 0x71;
    public const ulong OBJECT_HANDLE_INVALID = 0x82;
    public const ulong OPERATION_ACTIVE = 0x90;
    public const ulong OPERATION_NOT_INITIALIZED = 0x91;
    public const ulong PIN_INCORRECT = 0xA0;
    public const ulong PIN_INVALID = 0xA1;
    public const ulong PIN_LEN_RANGE = 0xA2;
    public const ulong PIN_LOCKED = 0xA4;
    public const ulong SESSION_CLOSED = 0xB0;
    public const ulong SESSION_COUNT = 0xB1;
    public const ulong SESSION_HANDLE_INVALID = 0xB3;
    public const ulong SESSION_PARALLEL_NOT_SUPPORTED = 0xB4;
    public const ulong SESSION_READ_ONLY = 0xB5;
    public const ulong SESSION_READ_ONLY_EXISTS = 0xB7;
    public const ulong SIGNATURE_INVALID = 0xC0;
    public const ulong SIGNATURE_LEN_RANGE = 0xC1;
    public const ulong TEMPLATE_INCOMPLETE = 0xD0;
    public const ulong TEMPLATE_INCONSISTENT = 0xD1;
    public const ulong TOKEN_NOT_PRESENT = 0xE0;
    public const ulong UNWRAPPING_KEY_HANDLE_INVALID = 0xF0;
    public const ulong UNWRAPPING_KEY_TYPE_INCONSISTENT = 0xF2;
    public const ulong WRAPPED_KEY_INVALID = 0x110;
    public const ulong WRAPPED_KEY_LEN_RANGE = 0x112;
    public const ulong WRAPPING_KEY_HANDLE_INVALID = 0x113;
    public const ulong WRAPPING_KEY_TYPE_INCONSISTENT = 0x115;
    public const ulong USER_ALREADY_LOGGED_IN = 0x100;
    public const ulong USER_NOT_LOGGED_IN = 0x101;
    public const ulong USER_TYPE_INVALID = 0x103;
    public const ulong USER_ANOTHER_ALREADY_LOGGED_IN = 0x104;
    public const ulong RANDOM_SEED_NOT_SUPPORTED = 0x120;
    public const ulong CURVE_NOT_SUPPORTED = 0x140;
    public const ulong BUFFER_TOO_SMALL = 0x150;
    public const ulong CRYPTOKI_NOT_INITIALIZED = 0x190;
    public const ulong CRYPTOKI_ALREADY_INITIALIZED = 0x191;
}

/// <summary>Attribute types (CKA_*).</summary>
internal static class Cka
{
    public const ulong CLASS = 0x0;
    public const ulong TOKEN = 0x1;
    public const ulong PRIVATE = 0x2;
    public const ulong LABEL = 0x3;
    public const ulong APPLICATION = 0x10;
    public const ulong VALUE = 0x11;
    public const ulong OBJECT_ID = 0x12;
    public const ulong CERTIFICATE_TYPE = 0x80;
    public const ulong ISSUER = 0x81;
    public const ulong SERIAL_NUMBER = 0x82;
    public const ulong TRUSTED = 0x86;
    public const ulong CERTIFICATE_CATEGORY = 0x87;
    public const ulong JAVA_MIDP_SECURITY_DOMAIN = 0x88;
    public const ulong URL = 0x89;
    public const ulong HASH_OF_SUBJECT_PUBLIC_KEY = 0x8A;
    public const ulong HASH_OF_ISSUER_PUBLIC_KEY = 0x8B;
    public const ulong NAME_HASH_ALGORITHM = 0x8C;
    public const ulong KEY_TYPE = 0x100;
    public const ulong SUBJECT = 0x101;
    public const ulong ID = 0x102;
    public const ulong SENSITIVE = 0x103;
    public const ulong ENCRYPT = 0x104;
    public const ulong DECRYPT = 0x105;
    public const ulong WRAP = 0x106;
    public const ulong UNWRAP = 0x107;
    public const ulong SIGN = 0x108;
    public const ulong VERIFY = 0x10A;
    public const ulong DERIVE = 0x10C;
    public const ulong SIGN_RECOVER = 0x109;
    public const ulong VERIFY_RECOVER = 0x10B;
    public const ulong START_DATE = 0x110;
    public const ulong END_DATE = 0x111;
    public const ulong MODULUS_BITS = 0x121;
    public const ulong PUBLIC_EXPONENT = 0x122;
    public const ulong PRIVATE_EXPONENT = 0x123;
    public const ulong COEFFICIENT = 0x128;
    public const ulong VALUE_LEN = 0x161;
    public const ulong EXTRACTABLE = 0x162;
    public const ulong COPYABLE = 0x171;
    public const ulong EC_PARAMS = 0x180;
    public const ulong EC_POINT = 0x181;
    public const ulong ALWAYS_AUTHENTICATE = 0x202;
}

/// <summary>Object classes (CKO_*), key types (CKK_*) and user types (CKU_*).</summary>
internal static class Cko
{
    public const ulong DATA = 0;
    public const ulong CERTIFICATE = 1;
    public const ulong PUBLIC_KEY = 2;
    public const ulong PRIVATE_KEY = 3;
    public const ulong SECRET_KEY = 4;
}

internal static class Ckk
{
    public const ulong RSA = 0x0;
    public const ulong EC = 0x3;
    public const ulong GENERIC_SECRET = 0x10;
    public const ulong AES = 0x1F;
    public const ulong EC_EDWARDS = 0x40;
}

internal static class Cku
{
    public const ulong SO = 0;
    public const ulong USER = 1;
    public const ulong CONTEXT_SPECIFIC = 2;
}

/// <summary>Session states (CKS_*).</summary>
internal static class Cks
{
    public const ulong RO_PUBLIC_SESSION = 0;
    public const ulong RO_USER_FUNCTIONS = 1;
    public const ulong RW_PUBLIC_SESSION = 2;
    public const ulong RW_USER_FUNCTIONS = 3;
    public const ulong RW_SO_FUNCTIONS = 4;
}

/// <summary>Flags (CKF_*) of the info structures, sessions, initialisation and mechanisms.</summary>
internal static class Ckf
{
    // token
    public const ulong RNG = 0x1;
    public const ulong LOGIN_REQUIRED = 0x4;
    public const ulong USER_PIN_INITIALIZED = 0x8;
    public const ulong TOKEN_INITIALIZED = 0x400;
    // slot
    public const ulong TOKEN_PRESENT = 0x1;
    // session
    public const ulong RW_SESSION = 0x2;
    public const ulong SERIAL_SESSION = 0x4;
    // C_Initialize
    public const ulong OS_LOCKING_OK = 0x2;
    // mechanisms
    public const ulong HW = 0x1;
    public const ulong ENCRYPT = 0x100;
    public const ulong DECRYPT = 0x200;
    public const ulong DIGEST = 0x400;
    public const ulong SIGN = 0x800;
    public const ulong VERIFY = 0x2000;
    public const ulong GENERATE = 0x8000;
    public const ulong GENERATE_KEY_PAIR = 0x10000;
    public const ulong WRAP = 0x20000;
    public const ulong UNWRAP = 0x40000;
    public const ulong DERIVE = 0x80000;
    public const ulong EC_F_P = 0x100000;
    public const ulong EC_NAMEDCURVE = 0x800000;
    public const ulong EC_UNCOMPRESS = 0x1000000;
}

/// <summary>Mechanism numbers (CKM_*) and MGF numbers (CKG_*) the module handles.</summary>
internal static class Ckm
{
    public const ulong RSA_PKCS_KEY_PAIR_GEN = 0x0;
    public const ulong RSA_PKCS = 0x1;
    public const ulong RSA_PKCS_OAEP = 0x9;
    public const ulong RSA_PKCS_PSS = 0xD;
    public const ulong SHA256_RSA_PKCS = 0x40;
    public const ulong SHA384_RSA_PKCS = 0x41;
    public const ulong SHA512_RSA_PKCS = 0x42;
    public const ulong SHA256_RSA_PKCS_PSS = 0x43;
    public const ulong SHA384_RSA_PKCS_PSS = 0x44;
    public const ulong SHA512_RSA_PKCS_PSS = 0x45;
    public const ulong SHA224_RSA_PKCS = 0x46;
    public const ulong SHA224_RSA_PKCS_PSS = 0x47;
    public const ulong SHA_1 = 0x220;
    public const ulong SHA256 = 0x250;
    public const ulong SHA256_HMAC = 0x251;
    public const ulong SHA224 = 0x255;
    public const ulong SHA224_HMAC = 0x256;
    public const ulong SHA384 = 0x260;
    public const ulong SHA384_HMAC = 0x261;
    public const ulong SHA512 = 0x270;
    public const ulong SHA512_HMAC = 0x271;
    public const ulong GENERIC_SECRET_KEY_GEN = 0x350;
    public const ulong SP800_108_COUNTER_KDF = 0x3AC;
    public const ulong EC_KEY_PAIR_GEN = 0x1040;
    public const ulong ECDSA = 0x1041;
    public const ulong ECDSA_SHA224 = 0x1043;
    public const ulong ECDSA_SHA256 = 0x1044;
    public const ulong ECDSA_SHA384 = 0x1045;
    public const ulong ECDSA_SHA512 = 0x1046;
    public const ulong ECDH1_DERIVE = 0x1050;
    public const ulong RSA_AES_KEY_WRAP = 0x1054;
    public const ulong EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
    public const ulong EDDSA = 0x1057;
    public const ulong AES_KEY_GEN = 0x1080;
    public const ulong AES_CBC_PAD = 0x1085;
    public const ulong AES_CTR = 0x1086;
    public const ulong AES_GCM = 0x1087;
    public const ulong AES_KEY_WRAP = 0x2109;
    public const ulong AES_KEY_WRAP_PAD = 0x210A;
    public const ulong AES_KEY_WRAP_KWP = 0x210B;
    public const ulong AES_KEY_WRAP_PKCS7 = 0x210C;

    public const ulong MGF1_SHA1 = 0x1;
    public const ulong MGF1_SHA256 = 0x2;
    public const ulong MGF1_SHA384 = 0x3;
    public const ulong MGF1_SHA512 = 0x4;
    public const ulong MGF1_SHA224 = 0x5;
    public const ulong Z_DATA_SPECIFIED = 0x1;

    /// <summary>CKD_NULL: ECDH with no key derivation function (the key is the shared x-coordinate).</summary>
    public const ulong CKD_NULL = 0x1;
}

internal static class Ck
{
    public const ulong UNAVAILABLE_INFORMATION = ulong.MaxValue;
    public const ulong EFFECTIVELY_INFINITE = 0;
    public const ulong INVALID_HANDLE = 0;
}
