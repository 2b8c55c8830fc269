namespace CloudHsm.Core.Users;

/// <summary>Roles of the partition, as Azure Cloud HSM names them.</summary>
public enum UserType
{
    /// <summary>Pre-crypto-officer: the factory account, valid only before activation.</summary>
    PRECO,
    /// <summary>Crypto officer: manages users, never uses keys.</summary>
    CO,
    /// <summary>Crypto user: owns and uses keys, never manages users.</summary>
    CU,
    /// <summary>Appliance user: monitoring and backup only.</summary>
    AU,
}

public static class UserTypes
{
    /// <summary>Parses a user type as typed by a person (case-insensitive); null when unknown.</summary>
    public static UserType? Parse(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "CO" => UserType.CO,
        "CU" => UserType.CU,
        "AU" => UserType.AU,
        "PRECO" => UserType.PRECO,
        _ => null,
    };
}
