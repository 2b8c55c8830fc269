namespace CloudHsm.Core.Users;

/// <summary>
/// One user of the partition as stored (the whole record is sealed at rest).
/// <see cref="PasswordHash"/> is the encoded PBKDF2 hash (<see cref="PasswordHasher"/>).
/// </summary>
public sealed record UserRecord
{
    public required int Id { get; init; }
    public required string Name { get; init; }
    public required UserType Type { get; init; }
    public required byte[] PasswordHash { get; init; }
    public int FailedLogins { get; init; }
    public bool Locked { get; init; }
    public UserRestrictions Restrictions { get; init; }
    /// <summary>Set by disableUserAccess: COs may no longer change this CU's password, delete or unlock it.</summary>
    public bool OfficerAccessDisabled { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? LastLoginAt { get; init; }

    /// <summary>Never shows the password hash.</summary>
    public override string ToString() => $"{Type} {Name} (id {Id})";
}
