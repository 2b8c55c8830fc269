using System.Numerics;
using CloudHsm.Core.Sealing;

namespace CloudHsm.Storage;

/// <summary>
/// The sum (mod 2^256) of keyed digests of every stored record. Kept sealed in the store and checked
/// at start, it reveals a deleted row, a re-inserted old row or an older copy of one row; updating
/// it costs only the changed rows. (A consistent copy of the whole database stays undetected on one
/// node: that takes the cluster's log.)
/// </summary>
internal sealed class RecordIntegrityTotal(KeyedHash hash)
{
    private static readonly BigInteger Modulus = BigInteger.One << 256;
    private readonly Dictionary<(string Kind, string Id), BigInteger> _digests = [];
    private BigInteger _tracked;
    private BigInteger _untracked;

    /// <summary>The sum over all rows, tracked (few, kept in memory) and untracked (keys: many, not kept).</summary>
    public BigInteger Total => (_tracked + _untracked) % Modulus;

    /// <summary>Adds a row whose digest is not kept in memory (the caller subtracts it with its blob later).</summary>
    public void AddUntracked(string kind, string id, ReadOnlySpan<byte> blob) => _untracked = (_untracked + Digest(kind, id, blob)) % Modulus;

    public void SubtractUntracked(string kind, string id, ReadOnlySpan<byte> blob) =>
        _untracked = ((_untracked - Digest(kind, id, blob)) % Modulus + Modulus) % Modulus;

    /// <summary>Forgets every untracked row at once (all keys removed).</summary>
    public void ClearUntracked() => _untracked = BigInteger.Zero;

    public void Add(string kind, string id, ReadOnlySpan<byte> blob)
    {
        Remove(kind, id);
        var digest = Digest(kind, id, blob);
        _digests[(kind, id)] = digest;
        _tracked = (_tracked + digest) % Modulus;
    }

    public void Remove(string kind, string id)
    {
        if (_digests.Remove((kind, id), out var old)) _tracked = ((_tracked - old) % Modulus + Modulus) % Modulus;
    }

    public IEnumerable<(string Kind, string Id)> Keys(string kind) => _digests.Keys.Where(k => k.Kind == kind).ToList();

    public byte[] Encode() => Total.ToByteArray(isUnsigned: true, isBigEndian: true);

    public static BigInteger Decode(ReadOnlySpan<byte> bytes) => new(bytes, isUnsigned: true, isBigEndian: true);

    public RecordIntegrityTotal Clone()
    {
        var copy = new RecordIntegrityTotal(hash) { _tracked = _tracked, _untracked = _untracked };
        foreach (var (k, v) in _digests) copy._digests[k] = v;
        return copy;
    }

    private BigInteger Digest(string kind, string id, ReadOnlySpan<byte> blob)
    {
        var header = System.Text.Encoding.UTF8.GetBytes($"{kind}\n{id}\n");
        var data = new byte[header.Length + blob.Length];
        header.CopyTo(data, 0);
        blob.CopyTo(data.AsSpan(header.Length));
        return new BigInteger(hash.Compute(data), isUnsigned: true, isBigEndian: true);
    }
}
