using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using CloudHsm.Client;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Logging;

namespace CloudHsm.Pkcs11.Module;

/// <summary>
/// The one table from the node's stable error names (RET_*) to PKCS#11 return values, and the
/// guard that turns any exception into a CK_RV so that none ever crosses the C boundary.
/// </summary>
internal static class ErrorMap
{
    private static readonly FrozenDictionary<string, ulong> FromNode = new Dictionary<string, ulong>(StringComparer.Ordinal)
    {
        ["RET_USER_LOGIN_FAILURE"] = Ckr.PIN_INCORRECT,
        ["RET_USER_NOT_FOUND"] = Ckr.PIN_INCORRECT,
        ["RET_INVALID_USER_NAME"] = Ckr.PIN_INCORRECT,
        ["RET_USER_LOCKED"] = Ckr.PIN_LOCKED,
        ["RET_INVALID_PASSWORD_POLICY"] = Ckr.PIN_INVALID,
        ["RET_USER_NOT_LOGGED_IN"] = Ckr.USER_NOT_LOGGED_IN,
        ["RET_SESSION_NOT_FOUND"] = Ckr.USER_NOT_LOGGED_IN,
        ["RET_INVALID_USER_TYPE"] = Ckr.USER_TYPE_INVALID,
        ["RET_OPERATION_NOT_PERMITTED"] = Ckr.ACTION_PROHIBITED,
        ["RET_ATTRIBUTE_TYPE_INVALID"] = Ckr.ATTRIBUTE_TYPE_INVALID,
        ["RET_ATTRIBUTE_VALUE_INVALID"] = Ckr.ATTRIBUTE_VALUE_INVALID,
        ["RET_ATTRIBUTE_READ_ONLY"] = Ckr.ATTRIBUTE_READ_ONLY,
        ["RET_ATTRIBUTE_SENSITIVE"] = Ckr.ATTRIBUTE_SENSITIVE,
        ["RET_KEY_NOT_FOUND"] = Ckr.OBJECT_HANDLE_INVALID,
        ["RET_OBJECT_LIMIT_REACHED"] = Ckr.DEVICE_MEMORY,
        ["RET_KEY_SIZE_RANGE"] = Ckr.KEY_SIZE_RANGE,
        ["RET_MECHANISM_INVALID"] = Ckr.MECHANISM_INVALID,
        ["RET_MECHANISM_PARAM_INVALID"] = Ckr.MECHANISM_PARAM_INVALID,
        ["RET_KEY_TYPE_INCONSISTENT"] = Ckr.KEY_TYPE_INCONSISTENT,
        ["RET_KEY_FUNCTION_NOT_PERMITTED"] = Ckr.KEY_FUNCTION_NOT_PERMITTED,
        ["RET_KEY_RETIRED"] = Ckr.KEY_FUNCTION_NOT_PERMITTED,
        ["RET_DATA_LEN_RANGE"] = Ckr.DATA_LEN_RANGE,
        ["RET_CURVE_NOT_SUPPORTED"] = Ckr.CURVE_NOT_SUPPORTED,
        ["RET_ENCRYPTED_DATA_INVALID"] = Ckr.ENCRYPTED_DATA_INVALID,
        ["RET_KEY_UNEXTRACTABLE"] = Ckr.KEY_UNEXTRACTABLE,
        ["RET_WRAPPED_KEY_INVALID"] = Ckr.WRAPPED_KEY_INVALID,
        // a WRAP_WITH_TRUSTED key and a wrapping key no CO marked TRUSTED
        ["RET_WRAPPING_KEY_NOT_TRUSTED"] = Ckr.KEY_NOT_WRAPPABLE,
        ["RET_TEMPLATE_INCOMPLETE"] = Ckr.TEMPLATE_INCOMPLETE,
        ["RET_TEMPLATE_INCONSISTENT"] = Ckr.TEMPLATE_INCONSISTENT,
        ["RET_CERT_INVALID"] = Ckr.ATTRIBUTE_VALUE_INVALID,
        ["RET_INVALID_INPUT"] = Ckr.ARGUMENTS_BAD,
        ["RET_SESSION_LIMIT_REACHED"] = Ckr.SESSION_COUNT,
        ["RET_NOT_ACTIVATED"] = Ckr.TOKEN_NOT_PRESENT,
        ["RET_PARTITION_ZEROIZED"] = Ckr.TOKEN_NOT_PRESENT,
        ["RET_NODE_UNAVAILABLE"] = Ckr.DEVICE_ERROR,
        ["RET_TIMEOUT"] = Ckr.DEVICE_ERROR,
        ["RET_SERVER_NOT_TRUSTED"] = Ckr.DEVICE_ERROR,
        ["RET_INTERNAL_ERROR"] = Ckr.DEVICE_ERROR,
        ["RET_CONFIG_INVALID"] = Ckr.GENERAL_ERROR,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The CK_RV of a node refusal; names the table does not know are device errors.</summary>
    public static ulong Of(string errorName) => FromNode.GetValueOrDefault(errorName, Ckr.DEVICE_ERROR);

    /// <summary>
    /// The CK_RV for any exception that reached an export (<paramref name="function"/>, filled in by the
    /// compiler, names it in the log: failures of the device at warn, every other refusal at debug).
    /// </summary>
    public static ulong Of(Exception e, [CallerMemberName] string function = "")
    {
        var rv = e switch
        {
            CkException ck => ck.ReturnValue,
            HsmClientException hsm => Of(hsm.ErrorName),
            OutOfMemoryException => Ckr.HOST_MEMORY,
            _ => Ckr.GENERAL_ERROR,
        };
        var log = ModuleLog.Current;
        var level = rv is Ckr.DEVICE_ERROR or Ckr.DEVICE_REMOVED or Ckr.GENERAL_ERROR or Ckr.HOST_MEMORY or Ckr.FUNCTION_FAILED ? LogLevel.Warn : LogLevel.Debug;
        if (log.IsEnabled(level)) log.Write(level, $"{function} returned {CkrNames.Of(rv)}{Cause(e)}");
        return rv;
    }

    /// <summary>The node's error name, or the type of an unexpected exception (never its message, which may quote data).</summary>
    private static string Cause(Exception e) => e switch
    {
        CkException => "",
        HsmClientException hsm => $" ({hsm.ErrorName})",
        _ => $" ({e.GetType().Name})",
    };

    /// <summary>Runs a node call, giving "key not found" the return value of the calling function's context.</summary>
    public static T WithMissingKeyAs<T>(ulong rv, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (HsmClientException e) when (e.ErrorName == "RET_KEY_NOT_FOUND")
        {
            throw new CkException(rv);
        }
    }

    /// <summary>
    /// Runs a node call, giving some refusals the return value the calling function's context names
    /// (C_WrapKey: RET_DATA_LEN_RANGE is CKR_KEY_SIZE_RANGE; C_UnwrapKey: CKR_WRAPPED_KEY_LEN_RANGE...).
    /// </summary>
    public static T WithErrorsAs<T>(Func<T> call, params ReadOnlySpan<(string ErrorName, ulong Rv)> overrides)
    {
        try
        {
            return call();
        }
        catch (HsmClientException e)
        {
            foreach (var (name, rv) in overrides)
            {
                if (e.ErrorName == name) throw new CkException(rv);
            }
            throw;
        }
    }
}
