using CloudHsm.Core.Errors;
using CloudHsm.Core.Owner;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Commands;

/// <summary>
/// The one deterministic function that changes partition state. It checks the actor's role and the
/// state, then writes; a refusal throws <see cref="HsmException"/> and, through the store's
/// transaction, changes nothing. It reads no clock and makes no random value.
/// </summary>
public static partial class PartitionStateMachine
{
    public const string PrecoName = "admin";
    public const int MaxOpenChallengesPerOfficer = 8;

    /// <summary>
    /// How long an applied request id is remembered: a client's retries end well before (the SDK's window is
    /// twice its call timeout), and a short memory keeps the table small under a high write rate.
    /// </summary>
    public static readonly TimeSpan RequestMemory = TimeSpan.FromMinutes(5);

    public static CommandResult Apply(PartitionCommand command, IPartitionWriter state)
    {
        if (command is InitializePartition init)
        {
            Initialize(init, state);
            return CommandResult.Applied;
        }
        if (command.RequestId is { } requestId && state.FindRequest(requestId) is { } seen)
        {
            return new CommandResult(Replayed: true, seen.Handles);
        }
        var partition = state.RequirePartition();
        if (partition.Status == PartitionStatus.Zeroized)
        {
            throw new HsmException(HsmError.RET_PARTITION_ZEROIZED, "The partition was zeroized; restart the node to initialise it again.");
        }
        if (command is IActorCommand { Actor: var actor }) RequireCurrentActor(state, actor);
        switch (command)
        {
            case StoreCertificate c: StoreCertificate(c, partition, state); break;
            case CreateUser c: CreateUser(c, partition, state); break;
            case DeleteUser c: DeleteUser(c, partition, state); break;
            case ChangePassword c: ChangePassword(c, partition, state); break;
            case RecordLoginFailure c: RecordLoginFailure(c, partition, state); break;
            case RecordLoginSuccess c: RecordLoginSuccess(c, state); break;
            case UnlockUser c: UnlockUser(c, partition, state); break;
            case SetUserAttributes c: SetUserAttributes(c, partition, state); break;
            case DisableUserAccess c: DisableUserAccess(c, partition, state); break;
            case IssueChallenge c: IssueChallenge(c, partition, state); break;
            case RecoverOfficer c: RecoverOfficer(c, partition, state); break;
            case Zeroize c: Zeroize(c, partition, state); break;
            case CreateKeys c: CreateKeys(c, partition, state); break;
            case DeleteKey c: DeleteKey(c, partition, state); break;
            case SetKeyAttribute c: SetKeyAttribute(c, partition, state); break;
            case ShareKey c: ShareKey(c, partition, state); break;
            case RotateKey c: RotateKey(c, partition, state); break;
            case RetireKey c: RetireKey(c, partition, state); break;
            case RecordKeyUse c: RecordKeyUse(c, state); break;
            case AdmitNode c: AdmitNode(c, partition, state); break;
            case RemoveNode c: RemoveNode(c, partition, state); break;
            default: throw new HsmException(HsmError.RET_INVALID_INPUT, "Unknown command.");
        }
        var after = state.Partition!;
        state.SetPartition(after with { AppliedCommands = after.AppliedCommands + 1 });
        var handles = CreatedHandles(command);
        if (command.RequestId is { } id)
        {
            state.RemoveRequestsBefore(command.At - RequestMemory);
            state.PutRequest(new AppliedRequest(id, command.At, handles));
        }
        return new CommandResult(false, handles);
    }

    private static ulong[] CreatedHandles(PartitionCommand command) => command switch
    {
        CreateKeys c => [.. c.Keys.Select(k => k.Handle)],
        RotateKey c => [.. c.Successors.Select(k => k.Handle)],
        _ => [],
    };

    private static void Initialize(InitializePartition c, IPartitionWriter state)
    {
        if (state.Partition is { Status: not PartitionStatus.Zeroized })
        {
            throw new HsmException(HsmError.RET_ALREADY_ACTIVATED, "The partition is already initialised.");
        }
        var applied = state.Partition?.AppliedCommands ?? 0;
        state.RemoveAllUsers();
        state.RemoveAllKeys();
        state.SetPartition(new PartitionRecord
        {
            SerialNumber = c.SerialNumber,
            Status = PartitionStatus.NotActivated,
            Policy = c.Policy.Validated(),
            CreatedAt = c.At,
            IdentityPublicKey = c.IdentityPublicKey,
            SealedIdentityKey = c.SealedIdentityKey,
            NextUserId = 2,
            AppliedCommands = applied + 1,
        });
        state.PutUser(new UserRecord
        {
            Id = 1,
            Name = PrecoName,
            Type = UserType.PRECO,
            PasswordHash = c.SealedPrecoPasswordHash,
            CreatedAt = c.At,
        });
    }

    private static void StoreCertificate(StoreCertificate c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.StoreCertificate);
        switch (c.Slot)
        {
            case CertificateSlots.Owner:
                if (partition.OwnerCertificate is not null)
                {
                    throw new HsmException(HsmError.RET_CERT_ALREADY_STORED, "PO.crt is already stored; it cannot be replaced.");
                }
                var owner = OwnerCertificates.ValidateOwner(c.Certificate, c.At);
                state.SetPartition(partition with { OwnerCertificate = owner });
                break;
            case CertificateSlots.PartitionOwnerAuthorized:
                if (partition.OwnerCertificate is null)
                {
                    throw new HsmException(HsmError.RET_CERT_NOT_FOUND, "Store PO.crt in slot 4 before POAC.crt in slot 8.");
                }
                if (partition.PartitionCertificate is not null)
                {
                    throw new HsmException(HsmError.RET_CERT_ALREADY_STORED, "POAC.crt is already stored.");
                }
                var poac = OwnerCertificates.ValidatePartitionCertificate(c.Certificate, partition.OwnerCertificate, partition.IdentityPublicKey, c.At);
                state.SetPartition(partition with { PartitionCertificate = poac });
                break;
            default:
                throw new HsmException(HsmError.RET_INVALID_INPUT, "Certificate slot must be 4 (PO.crt) or 8 (POAC.crt).");
        }
    }

    private static void CreateUser(CreateUser c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.ManageUsers);
        UserNames.Validate(c.Name);
        if (c.Type == UserType.PRECO)
        {
            throw new HsmException(HsmError.RET_INVALID_USER_TYPE, "Users can be created as CO, CU or AU only.");
        }
        if (state.FindUser(c.Name) is not null)
        {
            throw new HsmException(HsmError.RET_USER_ALREADY_EXISTS, $"A user named '{c.Name}' already exists.");
        }
        if (state.ListUsers().Count >= partition.Policy.MaxUsers)
        {
            throw new HsmException(HsmError.RET_USER_LIMIT_REACHED, $"The partition holds its limit of {partition.Policy.MaxUsers} users.");
        }
        state.PutUser(new UserRecord { Id = partition.NextUserId, Name = c.Name, Type = c.Type, PasswordHash = c.SealedPasswordHash, CreatedAt = c.At });
        state.SetPartition(partition with { NextUserId = partition.NextUserId + 1 });
    }

    private static void DeleteUser(DeleteUser c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.ManageUsers);
        var user = RequireUser(state, c.Name, c.Type);
        if (user.Name == c.Actor.Name)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "A CO cannot delete itself.");
        }
        RequireOfficerAccess(user, "delete");
        if (state.FindKeys(new Keys.KeyQuery { Owner = user.Name, Limit = 1 }).Count > 0)
        {
            throw new HsmException(HsmError.RET_USER_OWNS_KEYS, $"'{user.Name}' owns keys; they must be deleted (or the user kept) first.");
        }
        foreach (var shared in state.FindKeys(new Keys.KeyQuery { VisibleTo = user.Name, Limit = int.MaxValue }))
        {
            // A later user of the same name must not inherit these shares.
            state.PutKey(shared with { Shares = shared.Shares.Where(u => u != user.Name).ToList() });
        }
        if (user.Type == UserType.CO && state.ListUsers().Count(u => u.Type == UserType.CO) <= 1)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "The partition must keep at least one CO.");
        }
        state.RemoveUser(user.Name);
    }

    private static void ChangePassword(ChangePassword c, PartitionRecord partition, IPartitionWriter state)
    {
        var own = c.Actor.Name == c.Name;
        var user = RequireUser(state, c.Name, c.Type);
        if (own)
        {
            Permissions.Require(c.Actor, partition, Operation.ChangeOwnPassword);
            if (user.Type == UserType.PRECO)
            {
                Activate(c, partition, user, state);
                return;
            }
        }
        else
        {
            Permissions.Require(c.Actor, partition, Operation.ManageUsers);
            RequireOfficerAccess(user, "change the password of");
        }
        state.PutUser(user with { PasswordHash = c.SealedPasswordHash });
    }

    private static void Activate(ChangePassword c, PartitionRecord partition, UserRecord preco, IPartitionWriter state)
    {
        if (partition.OwnerCertificate is null || partition.PartitionCertificate is null)
        {
            throw new HsmException(HsmError.RET_NOT_ACTIVATED,
                "Store PO.crt (slot 4) and POAC.crt (slot 8) before changing the PRECO password; that change activates the partition.");
        }
        state.PutUser(preco with { Type = UserType.CO, PasswordHash = c.SealedPasswordHash, FailedLogins = 0 });
        state.SetPartition(partition with { Status = PartitionStatus.Active, ActivatedAt = c.At });
    }

    private static void RecordLoginFailure(RecordLoginFailure c, PartitionRecord partition, IPartitionWriter state)
    {
        var user = state.FindUser(c.Name);
        if (user is null) return;
        var failures = user.FailedLogins + 1;
        // PRECO's password is public until activation: locking it would protect nothing and strand the partition.
        var lockable = user.Type != UserType.PRECO;
        state.PutUser(user with { FailedLogins = failures, Locked = user.Locked || (lockable && failures >= partition.Policy.LockoutThreshold) });
    }

    private static void RecordLoginSuccess(RecordLoginSuccess c, IPartitionWriter state)
    {
        var user = state.FindUser(c.Name);
        if (user is null || user.Locked)
        {
            // Deleted or locked while its password was being checked: no login.
            throw new HsmException(HsmError.RET_USER_LOGIN_FAILURE, "Login failed: wrong user type, name or password.");
        }
        state.PutUser(user with { FailedLogins = 0, LastLoginAt = c.At });
    }

    private static void UnlockUser(UnlockUser c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.ManageUsers);
        var user = RequireUser(state, c.Name, c.Type);
        if (user.Type == UserType.CO)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED,
                "A CO is unlocked only with the partition owner's key: use getChallenge and unlockCO.");
        }
        RequireOfficerAccess(user, "unlock");
        state.PutUser(user with { Locked = false, FailedLogins = 0 });
    }

    private static void SetUserAttributes(SetUserAttributes c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.ManageUsers);
        var user = RequireUser(state, c.Name, null);
        if (user.Type != UserType.CU)
        {
            throw new HsmException(HsmError.RET_INVALID_USER_TYPE, "User attributes apply to crypto users (CU) only.");
        }
        if ((c.Restrictions & ~UserRestrictions.All) != 0)
        {
            throw new HsmException(HsmError.RET_INVALID_INPUT, "Unknown user attribute.");
        }
        state.PutUser(user with { Restrictions = c.Restrictions });
    }

    private static void DisableUserAccess(DisableUserAccess c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.DisableOfficerAccess);
        var user = RequireUser(state, c.Actor.Name, UserType.CU);
        state.PutUser(user with { OfficerAccessDisabled = true });
    }

    private static void IssueChallenge(IssueChallenge c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(null, partition, Operation.OwnerRecovery);
        var user = RequireUser(state, c.Name, UserType.CO);
        // Expired challenges go; open ones are never evicted, so no one can push out the challenge the
        // owner is signing. A CO with too many open challenges gets no more until some expire.
        var kept = partition.Challenges.Where(x => x.ExpiresAt > c.At).ToList();
        if (kept.Count(x => x.UserName == user.Name) >= MaxOpenChallengesPerOfficer)
        {
            throw new HsmException(HsmError.RET_CHALLENGE_LIMIT_REACHED,
                $"This CO has {MaxOpenChallengesPerOfficer} open challenges; use one of them or wait until they expire.");
        }
        kept.Add(new OwnerChallenge(user.Name, c.Nonce, c.ExpiresAt));
        state.SetPartition(partition with { Challenges = kept });
    }

    private static void RecoverOfficer(RecoverOfficer c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(null, partition, Operation.OwnerRecovery);
        var user = RequireUser(state, c.Name, UserType.CO);
        var challenge = partition.Challenges.FirstOrDefault(x => x.UserName == user.Name
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(x.Nonce, c.Nonce));
        if (challenge is null)
        {
            throw new HsmException(HsmError.RET_CHALLENGE_INVALID, "No open challenge matches; it was used already or never issued. Run getChallenge again.");
        }
        if (c.At > challenge.ExpiresAt)
        {
            throw new HsmException(HsmError.RET_CHALLENGE_EXPIRED, "The challenge has expired. Run getChallenge again.");
        }
        if (!OwnerCertificates.VerifyOwnerSignature(partition.OwnerCertificate!, c.Nonce, c.OwnerSignature))
        {
            throw new HsmException(HsmError.RET_SIGNATURE_INVALID, "The signature does not verify against the stored PO.crt.");
        }
        state.PutUser(user with { PasswordHash = c.SealedPasswordHash, Locked = false, FailedLogins = 0 });
        state.SetPartition(partition with { Challenges = partition.Challenges.Where(x => x != challenge).ToList() });
    }

    private static void Zeroize(Zeroize c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.Zeroize);
        state.RemoveAllUsers();
        state.RemoveAllKeys();
        state.SetPartition(partition with
        {
            Status = PartitionStatus.Zeroized,
            ZeroizedAt = c.At,
            SealedIdentityKey = [],
            OwnerCertificate = null,
            PartitionCertificate = null,
            Challenges = [],
        });
    }

    /// <summary>
    /// A command acts for the user as the partition knows it now: one deleted, locked or changed in
    /// type since its login was made acts no more.
    /// </summary>
    private static void RequireCurrentActor(IPartitionView state, Actor actor)
    {
        var user = state.FindUser(actor.Name);
        if (user is null || user.Type != actor.Type || user.Locked)
        {
            throw new HsmException(HsmError.RET_USER_NOT_LOGGED_IN, "This login no longer stands for a user of the partition; log in again.");
        }
    }

    private static UserRecord RequireUser(IPartitionView state, string name, UserType? type)
    {
        var user = state.FindUser(name);
        if (user is null || (type is { } t && user.Type != t))
        {
            throw new HsmException(HsmError.RET_USER_NOT_FOUND, type is null
                ? $"There is no user named '{name}'."
                : $"There is no {type} named '{name}'.");
        }
        return user;
    }

    private static void RequireOfficerAccess(UserRecord target, string verb)
    {
        if (target.OfficerAccessDisabled)
        {
            throw new HsmException(HsmError.RET_CO_ACCESS_DISABLED,
                $"'{target.Name}' has disabled officer access (disableUserAccess): a CO cannot {verb} it.");
        }
    }
}
