using CloudHsm.Core.Errors;

namespace CloudHsm.Core.Users;

/// <summary>
/// Password rules: length, character classes, no user name, and none of the characters that
/// break a PKCS#11 PIN of the form <c>name:password</c>.
/// </summary>
public sealed record PasswordPolicy(int MinLength = PasswordPolicy.DefaultMinLength)
{
    public const int DefaultMinLength = 12;
    public const int MaxLength = 32;
    public const int FloorMinLength = 8;
    public const string ForbiddenCharacters = "#:;'";

    public static PasswordPolicy Default { get; } = new();

    /// <summary>Returns a policy with the given minimum, refusing one below the floor.</summary>
    public static PasswordPolicy WithMinimum(int minLength)
    {
        if (minLength < FloorMinLength || minLength > MaxLength)
        {
            throw new HsmException(HsmError.RET_INVALID_INPUT,
                $"The minimum password length must be between {FloorMinLength} and {MaxLength}.");
        }
        return new PasswordPolicy(minLength);
    }

    /// <summary>Throws RET_INVALID_PASSWORD_POLICY with the first rule the password breaks.</summary>
    public void Check(ReadOnlySpan<char> password, string userName)
    {
        var problem = FindProblem(password, userName);
        if (problem is not null) throw new HsmException(HsmError.RET_INVALID_PASSWORD_POLICY, problem);
    }

    public string? FindProblem(ReadOnlySpan<char> password, string userName)
    {
        if (password.Length < MinLength || password.Length > MaxLength)
        {
            return $"The password must be {MinLength} to {MaxLength} characters long.";
        }
        foreach (var c in password)
        {
            if (ForbiddenCharacters.Contains(c, StringComparison.Ordinal))
            {
                return "The password must not contain any of # : ; ' (they break PKCS#11 PINs of the form name:password).";
            }
            if (char.IsControl(c))
            {
                return "The password must not contain control characters.";
            }
        }
        int upper = 0, lower = 0, digit = 0, special = 0;
        foreach (var c in password)
        {
            if (char.IsUpper(c)) upper = 1;
            else if (char.IsLower(c)) lower = 1;
            else if (char.IsDigit(c)) digit = 1;
            else special = 1;
        }
        if (upper + lower + digit + special < 3)
        {
            return "The password must contain at least three of: upper-case letters, lower-case letters, digits, special characters.";
        }
        if (userName.Length > 0 && password.Contains(userName.AsSpan(), StringComparison.OrdinalIgnoreCase))
        {
            return "The password must not contain the user name.";
        }
        return null;
    }
}
