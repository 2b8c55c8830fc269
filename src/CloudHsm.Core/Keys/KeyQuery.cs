namespace CloudHsm.Core.Keys;

/// <summary>
/// What findKey asks for: every given field must match. Results come in handle order, after
/// <see cref="AfterHandle"/>, at most <see cref="Limit"/> of them (pagination).
/// </summary>
public sealed record KeyQuery
{
    public ObjectClass? Class { get; init; }
    /// <summary>Only keys of this type (certificates and data objects have none).</summary>
    public KeyType? KeyType { get; init; }
    public string? Label { get; init; }
    public byte[]? Id { get; init; }
    /// <summary>The key check value (3 bytes), as findKey -kcv gives it.</summary>
    public byte[]? Kcv { get; init; }
    /// <summary>Only keys not used (nor made) since this time: the stale-key report.</summary>
    public DateTimeOffset? UnusedSince { get; init; }
    /// <summary>Only keys this user owns or was shared.</summary>
    public string? VisibleTo { get; init; }
    /// <summary>Only keys this user owns.</summary>
    public string? Owner { get; init; }
    public ulong AfterHandle { get; init; }
    public int Limit { get; init; } = 1000;

    public bool Matches(KeyRecord key) =>
        key.Handle > AfterHandle
        && (Class is null || key.Class == Class)
        && (KeyType is null || (key.Attributes.Contains(AttributeId.KeyType) && key.KeyType == KeyType))
        && (Label is null || key.Label == Label)
        && (Id is null || key.Id.AsSpan().SequenceEqual(Id))
        && (Kcv is null || key.Kcv.AsSpan().SequenceEqual(Kcv))
        && (UnusedSince is null || key.LastActivity < UnusedSince)
        && (VisibleTo is null || key.IsVisibleTo(VisibleTo))
        && (Owner is null || key.Owner == Owner);
}
