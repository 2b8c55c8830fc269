namespace CloudHsm.Core.Mechanisms;

/// <summary>Why a mechanism refused a call; the partition maps each to one stable error name.</summary>
public enum MechanismError
{
    /// <summary>The mechanism is unknown or not usable this way (RET_MECHANISM_INVALID).</summary>
    MechanismInvalid,
    /// <summary>IV, tag length, counter bits, OAEP hash or label are wrong (RET_MECHANISM_PARAM_INVALID).</summary>
    MechanismParamInvalid,
    /// <summary>The key is not of the kind the mechanism needs, or does not parse (RET_KEY_TYPE_INCONSISTENT).</summary>
    KeyTypeInconsistent,
    /// <summary>The key has the right kind but a length or modulus size out of range (RET_KEY_SIZE_RANGE).</summary>
    KeySizeRange,
    /// <summary>The EC key is on a curve this HSM does not support (RET_CURVE_NOT_SUPPORTED).</summary>
    CurveNotSupported,
    /// <summary>The input is too long or too short for the mechanism (RET_DATA_LEN_RANGE).</summary>
    DataLenRange,
}

/// <summary>
/// Misuse of a mechanism: wrong key, bad parameters, input out of range. A signature that does not
/// verify or a ciphertext that does not authenticate is a <c>false</c> result, never this exception.
/// </summary>
public sealed class MechanismException : Exception
{
    public MechanismException(MechanismError reason, string message) : base(message) => Reason = reason;

    public MechanismException(MechanismError reason, string message, Exception inner) : base(message, inner) => Reason = reason;

    public MechanismError Reason { get; }
}
