namespace CloudHsm.Core.Keys;

/// <summary>What the policy allows for one attribute: rules as data, read by <see cref="AttributePolicy"/>.</summary>
[Flags]
public enum AttributeRule
{
    None = 0,
    /// <summary>The value is a boolean (one byte, 0 or 1).</summary>
    Boolean = 1 << 0,
    /// <summary>The value is a number (CK_ULONG, 8 bytes little-endian).</summary>
    Number = 1 << 1,
    /// <summary>Given when the object is made, never changed afterwards (CKA_ID, CLASS, KEY_TYPE...).</summary>
    Immutable = 1 << 2,
    /// <summary>Set by the node alone; a template that names it is refused (LOCAL, KCV, NEVER_EXTRACTABLE...).</summary>
    NodeComputed = 1 << 3,
    /// <summary>May change from true to false only (EXTRACTABLE, MODIFIABLE, DESTROYABLE).</summary>
    TrueToFalseOnly = 1 << 4,
    /// <summary>May change from false to true only (SENSITIVE, WRAP_WITH_TRUSTED, TOKEN).</summary>
    FalseToTrueOnly = 1 << 5,
    /// <summary>Set by a crypto officer only (TRUSTED).</summary>
    OfficerOnly = 1 << 6,
    /// <summary>Secret material: never returned for a sensitive or non-extractable object.</summary>
    Secret = 1 << 7,
    /// <summary>A usage flag that an operation checks (ENCRYPT, SIGN, WRAP...).</summary>
    Usage = 1 << 8,
}
