using System.Globalization;
using CloudHsm.Core.Errors;

namespace CloudHsm.Cli.Util;

/// <summary>
/// The one-byte codes of the util shell's status lines ("Cfm3... returned: 0x2b : HSM Error: RET_KEY_NOT_FOUND")
/// and Error2String. A node error's code is its position in <see cref="HsmError"/>, which only ever grows at
/// the end, so codes are stable; errors the client itself reports have codes from 0xe0 up.
/// </summary>
internal static class UtilErrors
{
    public const int Unknown = 0xff;

    private static readonly Dictionary<string, int> ClientCodes = new(StringComparer.Ordinal)
    {
        ["RET_CONFIG_INVALID"] = 0xe0,
        ["RET_NODE_UNAVAILABLE"] = 0xe1,
        ["RET_TIMEOUT"] = 0xe2,
        ["RET_CANCELLED"] = 0xe3,
        ["RET_SERVER_NOT_TRUSTED"] = 0xe4,
        ["RET_NOT_SUPPORTED"] = 0xe5,
        ["RET_DATA_TAMPERED"] = 0xe6,
        ["RET_UNSEAL_MISMATCH"] = 0xe7,
        ["RET_BIND_FAILED"] = 0xe8,
    };

    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["RET_OK"] = "Success.",
        ["RET_INVALID_INPUT"] = "An argument or file is malformed.",
        ["RET_INTERNAL_ERROR"] = "The node failed unexpectedly; nothing was changed.",
        ["RET_NOT_ACTIVATED"] = "The partition is not activated yet.",
        ["RET_ALREADY_ACTIVATED"] = "The partition is already activated.",
        ["RET_PARTITION_ZEROIZED"] = "The partition was zeroized.",
        ["RET_CONFIRMATION_REQUIRED"] = "The operation needs an explicit confirmation.",
        ["RET_CERT_INVALID"] = "The certificate is invalid.",
        ["RET_CERT_ALREADY_STORED"] = "The certificate slot is already filled.",
        ["RET_CERT_NOT_FOUND"] = "No certificate is stored in that slot.",
        ["RET_CERT_CHAIN_INVALID"] = "The certificate does not chain to the partition owner.",
        ["RET_POLICY_MISMATCH"] = "The certificate does not match the partition's policy.",
        ["RET_CHALLENGE_INVALID"] = "The challenge is unknown or already used.",
        ["RET_CHALLENGE_EXPIRED"] = "The challenge expired.",
        ["RET_SIGNATURE_INVALID"] = "The signature does not verify.",
        ["RET_CHALLENGE_LIMIT_REACHED"] = "Too many open challenges.",
        ["RET_USER_LOGIN_FAILURE"] = "Wrong user name, type or password.",
        ["RET_USER_LOCKED"] = "The user is locked after failed logins.",
        ["RET_USER_NOT_LOGGED_IN"] = "Log in first (loginHSM).",
        ["RET_USER_NOT_FOUND"] = "There is no such user.",
        ["RET_USER_ALREADY_EXISTS"] = "A user of that name exists.",
        ["RET_USER_LIMIT_REACHED"] = "The partition holds its maximum number of users.",
        ["RET_USER_IS_LOGGED_IN"] = "The user is logged in.",
        ["RET_USER_OWNS_KEYS"] = "The user owns keys.",
        ["RET_INVALID_USER_NAME"] = "The user name is not allowed.",
        ["RET_INVALID_USER_TYPE"] = "Invalid user type for this operation.",
        ["RET_INVALID_PASSWORD_POLICY"] = "The password does not meet the policy.",
        ["RET_OPERATION_NOT_PERMITTED"] = "Access is denied: this user may not do that to this object.",
        ["RET_CO_ACCESS_DISABLED"] = "The user disabled crypto-officer access.",
        ["RET_CLIENT_CERTIFICATE_REQUIRED"] = "The node requires a client certificate.",
        ["RET_ATTRIBUTE_TYPE_INVALID"] = "The attribute does not exist for this key.",
        ["RET_ATTRIBUTE_VALUE_INVALID"] = "The attribute value is not allowed.",
        ["RET_ATTRIBUTE_READ_ONLY"] = "The attribute cannot be changed (or not in that direction).",
        ["RET_ATTRIBUTE_SENSITIVE"] = "The attribute is sensitive and is never returned.",
        ["RET_KEY_NOT_FOUND"] = "Invalid key handle: no such key, or not one you may use.",
        ["RET_OBJECT_LIMIT_REACHED"] = "The partition holds its maximum number of key handles.",
        ["RET_KEY_HANDLE_TAKEN"] = "The key handle is taken.",
        ["RET_KEY_SIZE_RANGE"] = "The key size is not supported.",
        ["RET_MECHANISM_INVALID"] = "The mechanism is not supported (or not allowed in FIPS mode).",
        ["RET_MECHANISM_PARAM_INVALID"] = "A parameter of the mechanism is invalid.",
        ["RET_KEY_TYPE_INCONSISTENT"] = "The key is of the wrong class or type for this operation.",
        ["RET_KEY_FUNCTION_NOT_PERMITTED"] = "The key's attributes do not allow this operation.",
        ["RET_DATA_LEN_RANGE"] = "The data is too long or too short.",
        ["RET_CURVE_NOT_SUPPORTED"] = "The elliptic curve is not supported.",
        ["RET_ENCRYPTED_DATA_INVALID"] = "The ciphertext does not decrypt under this key.",
        ["RET_SESSION_LIMIT_REACHED"] = "Too many open sessions.",
        ["RET_SESSION_NOT_FOUND"] = "The session does not exist (expired or closed).",
        ["RET_KEY_UNEXTRACTABLE"] = "The key is not extractable.",
        ["RET_WRAPPING_KEY_NOT_TRUSTED"] = "The key may be wrapped only with a trusted key (or imported only through one).",
        ["RET_WRAPPED_KEY_INVALID"] = "The wrapped key does not open under this key and mechanism.",
        ["RET_MASKED_OBJECT_INVALID"] = "The masked object is altered or from another partition.",
        ["RET_KEY_RETIRED"] = "The key is retired: it only decrypts, verifies and unwraps.",
        ["RET_TEMPLATE_INCOMPLETE"] = "The template lacks an attribute the object needs.",
        ["RET_TEMPLATE_INCONSISTENT"] = "The template asks for an object the partition does not make this way.",
        ["RET_CONFIG_INVALID"] = "The client configuration is missing or invalid.",
        ["RET_NODE_UNAVAILABLE"] = "No node answered.",
        ["RET_TIMEOUT"] = "The node did not answer in time.",
        ["RET_CANCELLED"] = "The call was cancelled.",
        ["RET_SERVER_NOT_TRUSTED"] = "The node's certificate does not chain to the configured PO.crt.",
        ["RET_NOT_SUPPORTED"] = "Not supported.",
        ["RET_DATA_TAMPERED"] = "Stored data failed its integrity check.",
        ["RET_UNSEAL_MISMATCH"] = "The unseal secret does not match.",
        ["RET_BIND_FAILED"] = "The address could not be bound.",
    };

    /// <summary>The code of an error name; <see cref="Unknown"/> for a name this build does not know.</summary>
    public static int CodeOf(string name) =>
        Enum.TryParse<HsmError>(name, ignoreCase: false, out var error) && Enum.IsDefined(error) ? (int)error
        : ClientCodes.TryGetValue(name, out var code) ? code
        : Unknown;

    /// <summary>The error name of a code, or null.</summary>
    public static string? NameOf(int code)
    {
        if (Enum.IsDefined(typeof(HsmError), code)) return ((HsmError)code).ToString();
        foreach (var (name, value) in ClientCodes)
        {
            if (value == code) return name;
        }
        return null;
    }

    public static string Describe(string name) => Descriptions.TryGetValue(name, out var text) ? text : "See the error name.";

    /// <summary>Parses a code as the status lines print it: hexadecimal, with or without 0x ("0x2b", "2b").</summary>
    public static bool TryParseCode(string text, out int code)
    {
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return int.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out code) && code is >= 0 and <= 0xff;
    }

    public static string Hex(int code) => "0x" + code.ToString("x2", CultureInfo.InvariantCulture);
}
