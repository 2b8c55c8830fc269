using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;

namespace CloudHsm.Core.Keys;

/// <summary>
/// An object's attributes as PKCS#11 holds them: raw values by attribute id (booleans one byte,
/// numbers CK_ULONG little-endian, text UTF-8). Immutable; each change makes a new set.
/// </summary>
public sealed record AttributeSet
{
    public static AttributeSet Empty { get; } = new(ImmutableSortedDictionary<AttributeId, byte[]>.Empty);

    public AttributeSet(ImmutableSortedDictionary<AttributeId, byte[]> values) => Values = values;

    public ImmutableSortedDictionary<AttributeId, byte[]> Values { get; }

    public bool Contains(AttributeId id) => Values.ContainsKey(id);

    public byte[]? Raw(AttributeId id) => Values.GetValueOrDefault(id);

    public bool? Bool(AttributeId id) => Raw(id) is { Length: 1 } v ? v[0] != 0 : null;

    public bool IsTrue(AttributeId id) => Bool(id) == true;

    public ulong? Number(AttributeId id) => Raw(id) is { Length: 8 } v ? BinaryPrimitives.ReadUInt64LittleEndian(v) : null;

    public string? Text(AttributeId id) => Raw(id) is { } v ? Encoding.UTF8.GetString(v) : null;

    public AttributeSet With(AttributeId id, byte[] value) => new(Values.SetItem(id, value));

    public AttributeSet With(AttributeId id, bool value) => With(id, Encode(value));

    public AttributeSet With(AttributeId id, ulong value) => With(id, Encode(value));

    public AttributeSet With(AttributeId id, string value) => With(id, Encoding.UTF8.GetBytes(value));

    public AttributeSet Without(AttributeId id) => new(Values.Remove(id));

    public static byte[] Encode(bool value) => [value ? (byte)1 : (byte)0];

    public static byte[] Encode(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    public bool Equals(AttributeSet? other) =>
        other is not null && Values.Count == other.Values.Count
        && Values.All(kv => other.Values.TryGetValue(kv.Key, out var v) && v.AsSpan().SequenceEqual(kv.Value));

    public override int GetHashCode() => Values.Count;
}
