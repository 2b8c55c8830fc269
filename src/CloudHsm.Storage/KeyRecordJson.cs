using System.Collections.Immutable;
using System.Text.Json;
using CloudHsm.Core.Keys;

namespace CloudHsm.Storage;

/// <summary>The stored (then sealed) form of a key record.</summary>
internal sealed record KeyRecordDocument(ulong Handle, string Owner, string[] Shares, KeyAttributeDocument[] Attributes,
    byte[] SealedMaterial, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt = null, ulong? Partner = null,
    DateTimeOffset? RetiredAt = null, ulong? Successor = null)
{
    public static byte[] Serialize(KeyRecord key) => JsonSerializer.SerializeToUtf8Bytes(new KeyRecordDocument(
        key.Handle, key.Owner, [.. key.Shares],
        [.. key.Attributes.Values.Select(kv => new KeyAttributeDocument((long)kv.Key, kv.Value))],
        key.SealedMaterial, key.CreatedAt, key.LastUsedAt, key.Partner, key.RetiredAt, key.Successor), StorageJsonContext.Default.KeyRecordDocument);

    public static KeyRecord Deserialize(ReadOnlySpan<byte> json)
    {
        var d = JsonSerializer.Deserialize(json, StorageJsonContext.Default.KeyRecordDocument)
            ?? throw new DataDirectoryException("An empty key record.");
        var attributes = ImmutableSortedDictionary.CreateRange(d.Attributes.Select(a => KeyValuePair.Create((AttributeId)a.Id, a.Value)));
        return new KeyRecord
        {
            Handle = d.Handle,
            Owner = d.Owner,
            Shares = d.Shares,
            Attributes = new AttributeSet(attributes),
            SealedMaterial = d.SealedMaterial,
            CreatedAt = d.CreatedAt,
            LastUsedAt = d.LastUsedAt,
            Partner = d.Partner,
            RetiredAt = d.RetiredAt,
            Successor = d.Successor,
        };
    }
}

internal sealed record KeyAttributeDocument(long Id, byte[] Value);
