namespace CloudHsm.Core.Users;

/// <summary>One row of listUsers (no password material).</summary>
public sealed record UserSummary(int Id, UserType Type, string Name, int FailedLogins, bool Locked,
    UserRestrictions Restrictions, bool OfficerAccessDisabled, bool TwoFactor, DateTimeOffset? LastLoginAt)
{
    public static UserSummary Of(UserRecord u) =>
        new(u.Id, u.Type, u.Name, u.FailedLogins, u.Locked, u.Restrictions, u.OfficerAccessDisabled, false, u.LastLoginAt);
}
