using CloudHsm.Core.Errors;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Partition;

/// <summary>
/// Limits and rules fixed when the partition is initialised. They are part of the replicated state,
/// so every replica applies commands under the same rules.
/// </summary>
public sealed record PartitionPolicy
{
    public int MaxUsers { get; init; } = 1024;
    /// <summary>Key handles the partition holds (a key pair counts two); Azure's limit is 3,200.</summary>
    public int MaxKeys { get; init; } = 3200;
    public int LockoutThreshold { get; init; } = 5;
    public int MinPasswordLength { get; init; } = PasswordPolicy.DefaultMinLength;
    public int ChallengeLifetimeSeconds { get; init; } = 300;
    /// <summary>The non-FIPS switch: allow mechanisms that are not approved (SHA-1 signing, RSA PKCS#1 v1.5 encryption).</summary>
    public bool AllowNonApprovedMechanisms { get; init; }

    public static PartitionPolicy Default { get; } = new();

    [System.Text.Json.Serialization.JsonIgnore]
    public PasswordPolicy Passwords => PasswordPolicy.WithMinimum(MinPasswordLength);

    public PartitionPolicy Validated()
    {
        if (MaxUsers is < 2 or > 100_000) throw Invalid("The user limit must be between 2 and 100000.");
        if (MaxKeys is < 2 or > 1_000_000) throw Invalid("The key limit must be between 2 and 1000000.");
        if (LockoutThreshold is < 1 or > 100) throw Invalid("The lockout threshold must be between 1 and 100.");
        if (ChallengeLifetimeSeconds is < 10 or > 86_400) throw Invalid("The challenge lifetime must be between 10 s and 1 day.");
        _ = Passwords;
        return this;
    }

    private static HsmException Invalid(string message) => new(HsmError.RET_INVALID_INPUT, message);
}
