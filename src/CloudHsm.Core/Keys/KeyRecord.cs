namespace CloudHsm.Core.Keys;

/// <summary>
/// One key object of the partition as stored (sealed whole at rest). The key material itself is
/// <see cref="SealedMaterial"/>, sealed again under the domain key; attributes never hold it.
/// </summary>
public sealed record KeyRecord
{
    /// <summary>Stable for the life of the key; never reused.</summary>
    public required ulong Handle { get; init; }
    /// <summary>The CU that created the key.</summary>
    public required string Owner { get; init; }
    /// <summary>CUs the owner shared the key with (shareKey): they may use it, nothing more.</summary>
    public IReadOnlyList<string> Shares { get; init; } = [];
    public required AttributeSet Attributes { get; init; }
    public byte[] SealedMaterial { get; init; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>The last sign, verify, encrypt, decrypt, wrap, unwrap or derive with the key (recorded at most hourly).</summary>
    public DateTimeOffset? LastUsedAt { get; init; }
    /// <summary>The other half of a key pair made in one command, if any.</summary>
    public ulong? Partner { get; init; }
    /// <summary>When the key was rotated or retired: it may then only decrypt, verify and unwrap.</summary>
    public DateTimeOffset? RetiredAt { get; init; }
    /// <summary>The key that replaced this one (key rotate).</summary>
    public ulong? Successor { get; init; }

    /// <summary>The time the key was last used, or made if never used.</summary>
    public DateTimeOffset LastActivity => LastUsedAt is { } used && used > CreatedAt ? used : CreatedAt;
    public bool IsToken => Attributes.IsTrue(AttributeId.Token);

    public ObjectClass Class => (ObjectClass)(Attributes.Number(AttributeId.Class) ?? 0);
    public KeyType KeyType => (KeyType)(Attributes.Number(AttributeId.KeyType) ?? 0);
    public string Label => Attributes.Text(AttributeId.Label) ?? "";
    public byte[] Id => Attributes.Raw(AttributeId.Id) ?? [];
    public byte[] Kcv => Attributes.Raw(AttributeId.Kcv) ?? [];

    /// <summary>
    /// About how many bytes the object takes (C_GetObjectSize): its attribute values, with 8 bytes
    /// for each type, and its sealed material. It tells no more than the lengths a reader of the
    /// attributes or of the data directory sees anyway.
    /// </summary>
    public int ApproximateSize => Attributes.Values.Sum(kv => 8 + kv.Value.Length) + SealedMaterial.Length;

    /// <summary>True for the owner and for users it was shared with.</summary>
    public bool IsVisibleTo(string user) => Owner == user || Shares.Contains(user);

    public override string ToString() => $"{Class} {KeyType} handle {Handle}";
}
