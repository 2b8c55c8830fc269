namespace CloudHsm.Core.Errors;

/// <summary>
/// Stable error names returned to clients. The names are part of the product's contract
/// (scripts match on them); never rename one, only add.
/// </summary>
public enum HsmError
{
    RET_OK = 0,
    RET_INVALID_INPUT,
    RET_INTERNAL_ERROR,

    // partition lifecycle
    RET_NOT_ACTIVATED,
    RET_ALREADY_ACTIVATED,
    RET_PARTITION_ZEROIZED,
    RET_CONFIRMATION_REQUIRED,

    // certificates and owner authorisation
    RET_CERT_INVALID,
    RET_CERT_ALREADY_STORED,
    RET_CERT_NOT_FOUND,
    RET_CERT_CHAIN_INVALID,
    RET_POLICY_MISMATCH,
    RET_CHALLENGE_INVALID,
    RET_CHALLENGE_EXPIRED,
    RET_SIGNATURE_INVALID,
    RET_CHALLENGE_LIMIT_REACHED,

    // users and login
    RET_USER_LOGIN_FAILURE,
    RET_USER_LOCKED,
    RET_USER_NOT_LOGGED_IN,
    RET_USER_NOT_FOUND,
    RET_USER_ALREADY_EXISTS,
    RET_USER_LIMIT_REACHED,
    RET_USER_IS_LOGGED_IN,
    RET_USER_OWNS_KEYS,
    RET_INVALID_USER_NAME,
    RET_INVALID_USER_TYPE,
    RET_INVALID_PASSWORD_POLICY,
    RET_OPERATION_NOT_PERMITTED,
    RET_CO_ACCESS_DISABLED,
    RET_CLIENT_CERTIFICATE_REQUIRED,

    // objects and their attributes
    RET_ATTRIBUTE_TYPE_INVALID,
    RET_ATTRIBUTE_VALUE_INVALID,
    RET_ATTRIBUTE_READ_ONLY,
    RET_ATTRIBUTE_SENSITIVE,
    RET_KEY_NOT_FOUND,
    RET_OBJECT_LIMIT_REACHED,
    RET_KEY_HANDLE_TAKEN,
    RET_KEY_SIZE_RANGE,
    RET_MECHANISM_INVALID,
    RET_MECHANISM_PARAM_INVALID,
    RET_KEY_TYPE_INCONSISTENT,
    RET_KEY_FUNCTION_NOT_PERMITTED,
    RET_DATA_LEN_RANGE,
    RET_CURVE_NOT_SUPPORTED,
    RET_ENCRYPTED_DATA_INVALID,

    // sessions
    RET_SESSION_LIMIT_REACHED,
    RET_SESSION_NOT_FOUND,

    // key transfer and life cycle (added after the first release of the list: new names go last)
    RET_KEY_UNEXTRACTABLE,
    RET_WRAPPING_KEY_NOT_TRUSTED,
    RET_WRAPPED_KEY_INVALID,
    RET_MASKED_OBJECT_INVALID,
    RET_KEY_RETIRED,

    // object creation (certificates, data objects, copies)
    RET_TEMPLATE_INCOMPLETE,
    RET_TEMPLATE_INCONSISTENT,

    // the cluster (replication, membership)
    /// <summary>No majority of the cluster is reachable: writes are refused (reads and crypto go on). Transient.</summary>
    RET_CLUSTER_NO_QUORUM,
    /// <summary>The node is not (yet) a working member: it waits for admission or for its first snapshot. Transient.</summary>
    RET_NODE_NOT_READY,
    RET_NODE_NOT_FOUND,
    RET_NODE_ALREADY_ADMITTED,
    RET_ADMISSION_INVALID,
}

/// <summary>Whether an error is the client's input, its authorisation, or the node's state.</summary>
public enum HsmErrorKind { InvalidArgument, Unauthenticated, PermissionDenied, NotFound, AlreadyExists, FailedPrecondition, ResourceExhausted, Internal, Unavailable }

public static class HsmErrors
{
    public static HsmErrorKind KindOf(HsmError error) => error switch
    {
        HsmError.RET_INVALID_INPUT or HsmError.RET_CERT_INVALID or HsmError.RET_INVALID_USER_NAME
            or HsmError.RET_INVALID_USER_TYPE or HsmError.RET_INVALID_PASSWORD_POLICY
            or HsmError.RET_CERT_CHAIN_INVALID or HsmError.RET_POLICY_MISMATCH
            or HsmError.RET_CONFIRMATION_REQUIRED or HsmError.RET_ATTRIBUTE_TYPE_INVALID
            or HsmError.RET_ATTRIBUTE_VALUE_INVALID or HsmError.RET_KEY_SIZE_RANGE or HsmError.RET_MECHANISM_INVALID
            or HsmError.RET_MECHANISM_PARAM_INVALID or HsmError.RET_KEY_TYPE_INCONSISTENT or HsmError.RET_DATA_LEN_RANGE
            or HsmError.RET_CURVE_NOT_SUPPORTED or HsmError.RET_ENCRYPTED_DATA_INVALID
            or HsmError.RET_WRAPPED_KEY_INVALID or HsmError.RET_MASKED_OBJECT_INVALID
            or HsmError.RET_TEMPLATE_INCOMPLETE or HsmError.RET_TEMPLATE_INCONSISTENT => HsmErrorKind.InvalidArgument,
        HsmError.RET_USER_LOGIN_FAILURE or HsmError.RET_USER_NOT_LOGGED_IN or HsmError.RET_SESSION_NOT_FOUND
            or HsmError.RET_SIGNATURE_INVALID or HsmError.RET_CHALLENGE_INVALID
            or HsmError.RET_CHALLENGE_EXPIRED => HsmErrorKind.Unauthenticated,
        HsmError.RET_OPERATION_NOT_PERMITTED or HsmError.RET_USER_LOCKED
            or HsmError.RET_CO_ACCESS_DISABLED or HsmError.RET_CLIENT_CERTIFICATE_REQUIRED
            or HsmError.RET_ATTRIBUTE_READ_ONLY or HsmError.RET_ATTRIBUTE_SENSITIVE or HsmError.RET_KEY_FUNCTION_NOT_PERMITTED
            or HsmError.RET_KEY_UNEXTRACTABLE or HsmError.RET_WRAPPING_KEY_NOT_TRUSTED or HsmError.RET_KEY_RETIRED => HsmErrorKind.PermissionDenied,
        HsmError.RET_USER_NOT_FOUND or HsmError.RET_CERT_NOT_FOUND or HsmError.RET_KEY_NOT_FOUND => HsmErrorKind.NotFound,
        HsmError.RET_USER_ALREADY_EXISTS or HsmError.RET_CERT_ALREADY_STORED => HsmErrorKind.AlreadyExists,
        HsmError.RET_USER_LIMIT_REACHED or HsmError.RET_SESSION_LIMIT_REACHED or HsmError.RET_CHALLENGE_LIMIT_REACHED or HsmError.RET_OBJECT_LIMIT_REACHED => HsmErrorKind.ResourceExhausted,
        HsmError.RET_INTERNAL_ERROR => HsmErrorKind.Internal,
        HsmError.RET_CLUSTER_NO_QUORUM or HsmError.RET_NODE_NOT_READY => HsmErrorKind.Unavailable,
        _ => HsmErrorKind.FailedPrecondition,
    };
}
