using CloudHsm.Core.Keys;

namespace CloudHsm.Core.Commands;

/// <summary>A key to be created: its full attribute set and its material, sealed under the domain key.</summary>
public sealed record NewKey(ulong Handle, AttributeSet Attributes, byte[] SealedMaterial)
{
    public bool Equals(NewKey? other) =>
        other is not null && Handle == other.Handle && Attributes.Equals(other.Attributes) && SealedMaterial.AsSpan().SequenceEqual(other.SealedMaterial);

    public override int GetHashCode() => HashCode.Combine(Handle, SealedMaterial.Length);
}

/// <summary>
/// Creates one key, or a key pair (private and public), owned by the actor (a CU). <see cref="Shares"/>
/// is set only when a masked object brings its shares back.
/// </summary>
public sealed record CreateKeys(Actor Actor, NewKey[] Keys) : PartitionCommand, IActorCommand
{
    public string[]? Shares { get; init; }

    /// <summary>Set when a masked object brings a key back: its own dates and retirement, not the insert's.</summary>
    public KeyHistory? History { get; init; }
}

/// <summary>A key's dates as a masked object carries them.</summary>
public sealed record KeyHistory(DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RetiredAt);

public sealed record DeleteKey(Actor Actor, ulong Handle) : PartitionCommand, IActorCommand;

/// <summary>setAttribute: one attribute of one key, checked by <see cref="AttributePolicy.Change"/>.</summary>
public sealed record SetKeyAttribute(Actor Actor, ulong Handle, AttributeId Attribute, byte[] Value) : PartitionCommand, IActorCommand;

/// <summary>shareKey: the owner lets another CU use the key (Share = true), or takes that back.</summary>
public sealed record ShareKey(Actor Actor, ulong Handle, string User, bool Share) : PartitionCommand, IActorCommand;

/// <summary>
/// key rotate: makes successors (one key, or a pair for a pair) and retires the predecessor (and its
/// partner) so that it may only decrypt, verify and unwrap.
/// </summary>
public sealed record RotateKey(Actor Actor, ulong Handle, NewKey[] Successors) : PartitionCommand, IActorCommand;

/// <summary>key retire: the key (and its partner) may from now on only decrypt, verify and unwrap.</summary>
public sealed record RetireKey(Actor Actor, ulong Handle) : PartitionCommand, IActorCommand;

/// <summary>The node saw these token keys used (at most hourly per key): the last-used report.</summary>
public sealed record RecordKeyUse(ulong[] Handles) : PartitionCommand;
