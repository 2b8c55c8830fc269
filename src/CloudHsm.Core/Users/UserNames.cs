using CloudHsm.Core.Errors;

namespace CloudHsm.Core.Users;

/// <summary>User names: 1..31 characters of letters, digits, '_', '-' and '.' (as Azure's tools accept).</summary>
public static class UserNames
{
    public const int MaxLength = 31;

    public static string Validate(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength)
        {
            throw new HsmException(HsmError.RET_INVALID_USER_NAME, $"A user name must be 1 to {MaxLength} characters long.");
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                throw new HsmException(HsmError.RET_INVALID_USER_NAME,
                    "A user name may contain only letters, digits, '_', '-' and '.'.");
            }
        }
        return name;
    }
}
