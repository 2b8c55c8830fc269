using CloudHsm.Core.Keys;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Owner;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Partition;

/// <summary>
/// The partition's operations as a caller sees them. Reads go to the store; changes are prepared here
/// (password hashing, key generation, nonces: everything random or slow) and submitted as commands.
/// Passwords arrive as char buffers that the caller wipes.
/// </summary>
public sealed class PartitionService(IPartitionView state, ICommandLog log, DomainKeys keys, SessionRegistry sessions, TimeProvider clock)
{
    /// <summary>The factory PRECO password, valid only until activation.</summary>
    public const string PrecoDefaultPassword = "tenantadmin";

    // A hash to verify against when a user does not exist, so the time taken does not tell.
    private static readonly Lazy<byte[]> DecoyHash = new(() => PasswordHasher.Hash("decoy-password-never-valid"));

    public SessionRegistry Sessions => sessions;

    private PartitionRecord Partition => state.RequirePartition();

    /// <summary>Creates the partition (first start, or after zeroize): identity key and PRECO.</summary>
    public async ValueTask InitializeAsync(PartitionPolicy policy, CancellationToken ct = default)
    {
        if (state.Partition is { Status: not PartitionStatus.Zeroized }) return;
        policy.Validated();
        var (privateKey, publicKey) = PartitionIdentity.Generate();
        try
        {
            var serial = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
            var preco = PasswordHasher.Hash(PrecoDefaultPassword);
            var command = new InitializePartition(serial, publicKey, keys.Secrets.Seal(privateKey, SealPurpose.IdentityKey),
                SealHash(preco), policy) { At = clock.GetUtcNow() };
            await log.SubmitAsync(command, ct);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    public PartitionInfo GetInfo()
    {
        var p = Partition;
        DateTimeOffset? notAfter = null;
        if (p.OwnerCertificate is not null)
        {
            using var po = X509CertificateLoader.LoadCertificate(p.OwnerCertificate);
            notAfter = po.NotAfter.ToUniversalTime();
        }
        return new PartitionInfo(p.SerialNumber, p.Status, state.ListUsers().Count, p.Policy.MaxUsers,
            p.OwnerCertificate is null ? null : OwnerCertificates.Fingerprint(p.OwnerCertificate), notAfter,
            p.ActivatedAt, p.AppliedCommands, p.Policy.MinPasswordLength, p.Policy.LockoutThreshold, state.KeyCount, p.Policy.MaxKeys)
        {
            KeyUsage = state.CountKeyUsage(clock.GetUtcNow().AddDays(-KeyUsage.DefaultStaleDays), KeyUsage.DefaultStaleDays),
        };
    }

    public async ValueTask<(string Token, LoginContext Login)> LoginAsync(UserType type, string name, ReadOnlyMemory<char> password, string clientName, CancellationToken ct = default)
    {
        // A password changed or a user unlocked on another node must count here: read what the cluster committed.
        await log.ReadBarrierAsync(ct);
        var partition = Partition;
        if (partition.Status == PartitionStatus.Zeroized)
        {
            throw new HsmException(HsmError.RET_PARTITION_ZEROIZED, "The partition was zeroized.");
        }
        var user = state.FindUser(name);
        if (user is null)
        {
            PasswordHasher.Verify(password.Span, DecoyHash.Value);
            throw LoginFailure();
        }
        if (user.Locked)
        {
            // A locked user is refused whatever the password, after the same PBKDF2 work: a guess can
            // no longer learn whether it was right, and the time taken does not tell.
            PasswordHasher.Verify(password.Span, DecoyHash.Value);
            throw new HsmException(HsmError.RET_USER_LOCKED, user.Type == UserType.CO
                ? "This CO is locked after too many failed logins; recover it with getChallenge and unlockCO."
                : "This user is locked after too many failed logins; a CO can unlock it (unlockUser).");
        }
        var hash = keys.Secrets.Unseal(user.PasswordHash, SealPurpose.PasswordHash);
        bool match;
        try
        {
            match = PasswordHasher.Verify(password.Span, hash) && user.Type == type;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(hash);
        }
        if (!match)
        {
            await log.SubmitAsync(new RecordLoginFailure(user.Name) { At = clock.GetUtcNow() }, ct);
            throw LoginFailure();
        }
        await log.SubmitAsync(new RecordLoginSuccess(user.Name) { At = clock.GetUtcNow() }, ct);
        return sessions.Create(new Actor(user.Name, user.Type), clientName);
    }

    public void Logout(LoginContext login) => sessions.Remove(login);

    private bool IsRetryOfAppliedRequest() => RequestScope.PeekNextCommandId() is { } id && state.FindAppliedRequest(id) is not null;

    public async ValueTask CreateUserAsync(LoginContext caller, UserType type, string name, ReadOnlyMemory<char> password, CancellationToken ct = default)
    {
        Permissions.Require(caller.Actor, Partition, Operation.ManageUsers);
        UserNames.Validate(name);
        // A retry of a creation that was applied goes on to be answered with the first outcome.
        if (!IsRetryOfAppliedRequest() && state.FindUser(name) is not null)
        {
            throw new HsmException(HsmError.RET_USER_ALREADY_EXISTS, $"A user named '{name}' already exists.");
        }
        var sealedHash = HashNewPassword(name, password);
        await log.SubmitAsync(new CreateUser(caller.Actor, type, name, sealedHash) { At = clock.GetUtcNow() }, ct);
    }

    public async ValueTask DeleteUserAsync(LoginContext caller, UserType type, string name, CancellationToken ct = default)
    {
        Permissions.Require(caller.Actor, Partition, Operation.ManageUsers);
        if (name != caller.Actor.Name && state.FindUser(name) is { } target && target.Type == type && !target.OfficerAccessDisabled
            && sessions.IsLoggedIn(name))
        {
            throw new HsmException(HsmError.RET_USER_IS_LOGGED_IN, $"'{name}' is logged in; it must log out before it can be deleted.");
        }
        await log.SubmitAsync(new DeleteUser(caller.Actor, type, name) { At = clock.GetUtcNow() }, ct);
        sessions.RemoveUser(name);
    }

    public async ValueTask ChangePasswordAsync(LoginContext caller, UserType type, string name, ReadOnlyMemory<char> password, CancellationToken ct = default)
    {
        var own = caller.Actor.Name == name;
        Permissions.Require(caller.Actor, Partition, own ? Operation.ChangeOwnPassword : Operation.ManageUsers);
        var sealedHash = HashNewPassword(name, password);
        await log.SubmitAsync(new ChangePassword(caller.Actor, type, name, sealedHash) { At = clock.GetUtcNow() }, ct);
        if (!own) sessions.RemoveUser(name);
    }

    public IReadOnlyList<UserSummary> ListUsers(LoginContext caller)
    {
        Permissions.Require(caller.Actor, Partition, Operation.ListUsers);
        return state.ListUsers().OrderBy(u => u.Id).Select(UserSummary.Of).ToList();
    }

    public async ValueTask UnlockUserAsync(LoginContext caller, UserType type, string name, CancellationToken ct = default) =>
        await log.SubmitAsync(new UnlockUser(caller.Actor, type, name) { At = clock.GetUtcNow() }, ct);

    public async ValueTask SetUserAttributesAsync(LoginContext caller, string name, UserRestrictions restrictions, CancellationToken ct = default) =>
        await log.SubmitAsync(new SetUserAttributes(caller.Actor, name, restrictions) { At = clock.GetUtcNow() }, ct);

    public async ValueTask DisableUserAccessAsync(LoginContext caller, CancellationToken ct = default) =>
        await log.SubmitAsync(new DisableUserAccess(caller.Actor) { At = clock.GetUtcNow() }, ct);

    public string GetCertificateRequest(LoginContext caller)
    {
        var partition = Partition;
        Permissions.Require(caller.Actor, partition, Operation.GetCertificateRequest);
        using var key = LoadIdentityKey(partition);
        return PartitionIdentity.CreateSigningRequest(key, partition.SerialNumber);
    }

    public async ValueTask StoreCertificateAsync(LoginContext caller, int slot, ReadOnlyMemory<byte> certificate, CancellationToken ct = default)
    {
        Permissions.Require(caller.Actor, Partition, Operation.StoreCertificate);
        var der = OwnerCertificates.Parse(certificate.Span, slot == CertificateSlots.Owner ? "PO.crt" : "POAC.crt").RawData;
        await log.SubmitAsync(new StoreCertificate(caller.Actor, slot, der) { At = clock.GetUtcNow() }, ct);
    }

    /// <summary>The certificate of a slot, PEM.</summary>
    public string GetCertificate(LoginContext caller, int slot)
    {
        var partition = Partition;
        Permissions.Require(caller.Actor, partition, Operation.GetCertificate);
        var der = slot switch
        {
            CertificateSlots.Owner => partition.OwnerCertificate,
            CertificateSlots.PartitionOwnerAuthorized => partition.PartitionCertificate,
            _ => throw new HsmException(HsmError.RET_INVALID_INPUT, "Certificate slot must be 4 (PO.crt) or 8 (POAC.crt)."),
        } ?? throw new HsmException(HsmError.RET_CERT_NOT_FOUND, $"No certificate is stored in slot {slot}.");
        return PemEncoding.WriteString("CERTIFICATE", der);
    }

    /// <summary>getChallenge: a fresh nonce for recovering a CO, to be signed offline with the PO key.</summary>
    public async ValueTask<(byte[] Nonce, DateTimeOffset ExpiresAt)> GetChallengeAsync(string name, CancellationToken ct = default)
    {
        var partition = Partition;
        Permissions.Require(null, partition, Operation.OwnerRecovery);
        var now = clock.GetUtcNow();
        var nonce = new byte[48];
        "cloudhsm-co-recovery:"u8.CopyTo(nonce);
        RandomNumberGenerator.Fill(nonce.AsSpan(21));
        var expires = now.AddSeconds(partition.Policy.ChallengeLifetimeSeconds);
        await log.SubmitAsync(new IssueChallenge(name, nonce, expires) { At = now }, ct);
        return (nonce, expires);
    }

    /// <summary>
    /// unlockCO: find the open challenge of this CO that the PO's signature verifies, and set the CO's
    /// new password. The nonce may be left empty: the node then tries the CO's open challenges.
    /// </summary>
    public async ValueTask RecoverOfficerAsync(string name, byte[]? nonce, byte[] signature, ReadOnlyMemory<char> newPassword, CancellationToken ct = default)
    {
        var partition = Partition;
        Permissions.Require(null, partition, Operation.OwnerRecovery);
        if (nonce is null || nonce.Length == 0)
        {
            var mine = partition.Challenges.Where(c => c.UserName == name).ToList();
            var signed = mine.FirstOrDefault(c => OwnerCertificates.VerifyOwnerSignature(partition.OwnerCertificate!, c.Nonce, signature));
            if (signed is null)
            {
                throw mine.Count == 0
                    ? new HsmException(HsmError.RET_CHALLENGE_INVALID, "No open challenge for this CO: it was used already or never issued. Run getChallenge again.")
                    : new HsmException(HsmError.RET_SIGNATURE_INVALID, "The signature does not verify against the stored PO.crt for any open challenge of this CO.");
            }
            nonce = signed.Nonce;
        }
        else if (!OwnerCertificates.VerifyOwnerSignature(partition.OwnerCertificate!, nonce, signature))
        {
            // Checked here too, before any PBKDF2 work is done for a caller who needs no login.
            throw new HsmException(HsmError.RET_SIGNATURE_INVALID, "The signature does not verify against the stored PO.crt.");
        }
        var sealedHash = HashNewPassword(name, newPassword);
        await log.SubmitAsync(new RecoverOfficer(name, nonce, signature, sealedHash) { At = clock.GetUtcNow() }, ct);
        sessions.RemoveUser(name);
    }

    /// <summary>zeroize: the caller must type the partition serial number as confirmation.</summary>
    public async ValueTask ZeroizeAsync(LoginContext caller, string confirmation, CancellationToken ct = default)
    {
        var partition = Partition;
        Permissions.Require(caller.Actor, partition, Operation.Zeroize);
        if (!string.Equals(confirmation?.Trim(), partition.SerialNumber, StringComparison.OrdinalIgnoreCase))
        {
            throw new HsmException(HsmError.RET_CONFIRMATION_REQUIRED,
                $"Zeroize wipes every user and key for good; confirm with the partition serial number ({partition.SerialNumber}).");
        }
        await log.SubmitAsync(new Zeroize(caller.Actor) { At = clock.GetUtcNow() }, ct);
        sessions.RemoveAll();
    }

    public ulong OpenSession(LoginContext caller) => sessions.OpenSession(caller);

    public void CloseSession(LoginContext caller, ulong handle) => sessions.CloseSession(caller, handle);

    /// <summary>The identity key of the partition, for TLS and the CSR. The caller disposes it.</summary>
    public RSA LoadIdentityKey(PartitionRecord partition)
    {
        var pkcs8 = keys.Secrets.Unseal(partition.SealedIdentityKey, SealPurpose.IdentityKey);
        try
        {
            return PartitionIdentity.Load(pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private byte[] HashNewPassword(string name, ReadOnlyMemory<char> password)
    {
        Partition.Policy.Passwords.Check(password.Span, name);
        var hash = PasswordHasher.Hash(password.Span);
        return SealHash(hash);
    }

    private byte[] SealHash(byte[] hash)
    {
        try
        {
            return keys.Secrets.Seal(hash, SealPurpose.PasswordHash);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(hash);
        }
    }

    private static HsmException LoginFailure() =>
        new(HsmError.RET_USER_LOGIN_FAILURE, "Login failed: wrong user type, name or password.");
}
