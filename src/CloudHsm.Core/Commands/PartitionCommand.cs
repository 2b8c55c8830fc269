using System.Text.Json.Serialization;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Commands;

/// <summary>
/// One change of partition state. Commands are plain data: every random value (keys, salts, nonces)
/// is made before the command exists and travels in it, secrets sealed under the domain key, so
/// that applying a command is deterministic and the same on every replica.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(InitializePartition), "initializePartition")]
[JsonDerivedType(typeof(StoreCertificate), "storeCert")]
[JsonDerivedType(typeof(CreateUser), "createUser")]
[JsonDerivedType(typeof(DeleteUser), "deleteUser")]
[JsonDerivedType(typeof(ChangePassword), "changePswd")]
[JsonDerivedType(typeof(RecordLoginFailure), "loginFailure")]
[JsonDerivedType(typeof(RecordLoginSuccess), "loginSuccess")]
[JsonDerivedType(typeof(UnlockUser), "unlockUser")]
[JsonDerivedType(typeof(SetUserAttributes), "setUserAttributes")]
[JsonDerivedType(typeof(DisableUserAccess), "disableUserAccess")]
[JsonDerivedType(typeof(IssueChallenge), "getChallenge")]
[JsonDerivedType(typeof(RecoverOfficer), "unlockCO")]
[JsonDerivedType(typeof(Zeroize), "zeroize")]
[JsonDerivedType(typeof(CreateKeys), "createKeys")]
[JsonDerivedType(typeof(DeleteKey), "deleteKey")]
[JsonDerivedType(typeof(SetKeyAttribute), "setAttribute")]
[JsonDerivedType(typeof(ShareKey), "shareKey")]
[JsonDerivedType(typeof(RotateKey), "rotateKey")]
[JsonDerivedType(typeof(RetireKey), "retireKey")]
[JsonDerivedType(typeof(RecordKeyUse), "recordKeyUse")]
[JsonDerivedType(typeof(AdmitNode), "addNode")]
[JsonDerivedType(typeof(RemoveNode), "removeNode")]
public abstract record PartitionCommand
{
    /// <summary>When the command was made (node clock); apply uses this, never the clock.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>
    /// The client's id of the call that made this command (header hsm-request-id), or null. A command whose
    /// id was applied before is not applied again: its outcome is the first one (<see cref="CommandResult.Replayed"/>).
    /// </summary>
    public string? RequestId { get; init; }
}

/// <summary>A command made on behalf of a logged-in user.</summary>
public interface IActorCommand
{
    Actor Actor { get; }
}

/// <summary>Creates the partition: identity key (sealed), PRECO password hash (sealed), policy.</summary>
public sealed record InitializePartition(string SerialNumber, byte[] IdentityPublicKey, byte[] SealedIdentityKey,
    byte[] SealedPrecoPasswordHash, PartitionPolicy Policy) : PartitionCommand;

/// <summary>storeCert: slot 4 (PO.crt) or 8 (POAC.crt), DER already validated.</summary>
public sealed record StoreCertificate(Actor Actor, int Slot, byte[] Certificate) : PartitionCommand, IActorCommand;

public sealed record CreateUser(Actor Actor, UserType Type, string Name, byte[] SealedPasswordHash) : PartitionCommand, IActorCommand;

public sealed record DeleteUser(Actor Actor, UserType Type, string Name) : PartitionCommand, IActorCommand;

/// <summary>changePswd of one's own password, or a CO's change of another user's; PRECO's own change activates.</summary>
public sealed record ChangePassword(Actor Actor, UserType Type, string Name, byte[] SealedPasswordHash) : PartitionCommand, IActorCommand;

public sealed record RecordLoginFailure(string Name) : PartitionCommand;

public sealed record RecordLoginSuccess(string Name) : PartitionCommand;

public sealed record UnlockUser(Actor Actor, UserType Type, string Name) : PartitionCommand, IActorCommand;

public sealed record SetUserAttributes(Actor Actor, string Name, UserRestrictions Restrictions) : PartitionCommand, IActorCommand;

public sealed record DisableUserAccess(Actor Actor) : PartitionCommand, IActorCommand;

public sealed record IssueChallenge(string Name, byte[] Nonce, DateTimeOffset ExpiresAt) : PartitionCommand;

/// <summary>unlockCO: the PO's signature over a challenge nonce, and the CO's new password (sealed hash).</summary>
public sealed record RecoverOfficer(string Name, byte[] Nonce, byte[] OwnerSignature, byte[] SealedPasswordHash) : PartitionCommand;

public sealed record Zeroize(Actor Actor) : PartitionCommand, IActorCommand;
