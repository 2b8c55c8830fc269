using System.Buffers.Binary;
using System.Diagnostics;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Sealing;
using CloudHsm.Storage;

namespace CloudHsm.Bench;

/// <summary>
/// A real <see cref="SqlitePartitionStore"/> in a fresh temporary directory, filled with
/// <c>count</c> AES-256 keys the way the node stores them (generated material sealed under the
/// domain key, full attribute set from <see cref="AttributePolicy.ForNewKey"/>, random handles in
/// 1..2^31-1), written through <c>Apply</c> in batches. Labels: <c>count / 10</c> distinct ones,
/// ten keys each, spread over the whole handle range; owners: ten CUs, the ten keys of a label all
/// belonging to one of them. Deleted with everything in it on dispose.
/// </summary>
public sealed class PopulatedStore : IDisposable
{
    public const int KeysPerLabel = 10;
    public const int Owners = 10;
    public const int KeysPerApply = 5_000;

    private readonly DomainKeys _domainKeys;
    private readonly ulong[] _handles;

    private PopulatedStore(string directory, DomainKeys domainKeys, ulong[] handles)
    {
        Directory = directory;
        _domainKeys = domainKeys;
        _handles = handles;
        Store = SqlitePartitionStore.Open(directory, domainKeys);
    }

    public string Directory { get; }

    public SqlitePartitionStore Store { get; private set; }

    public int Count => _handles.Length;

    public int LabelCount => Count / KeysPerLabel;

    /// <summary>Wall time of the writes (all batches, commits included).</summary>
    public TimeSpan PopulateTime { get; private set; }

    /// <summary>Wall time of reopening the full store (every key row's digest checked, as at node start).</summary>
    public TimeSpan ReopenTime { get; private set; }

    /// <summary>The handle of key number <paramref name="index"/>.</summary>
    public ulong Handle(int index) => _handles[index];

    /// <summary>The label of key number <paramref name="index"/>; key i and i + LabelCount share it.</summary>
    public string Label(int index) => Label(index, LabelCount);

    public static string LabelOf(int labelNumber) => $"app-key-{labelNumber:D7}";

    public static string OwnerOf(int index) => $"cu{index % Owners}";

    public static PopulatedStore Create(int count)
    {
        if (count < KeysPerLabel * Owners || count % (KeysPerLabel * Owners) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"The key count must be a positive multiple of {KeysPerLabel * Owners}.");
        }
        var directory = Path.Combine(Path.GetTempPath(), "cloudhsm-bench-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var fixture = new PopulatedStore(directory, new DomainKeys(DomainKeys.NewSecret()), DrawHandles(count));
        try
        {
            fixture.Populate();
            fixture.Reopen();
            return fixture;
        }
        catch
        {
            fixture.Dispose();
            throw;
        }
    }

    /// <summary>Key number <paramref name="index"/> as the node would store it after generateKey.</summary>
    public KeyRecord Key(int index)
    {
        var generated = KeyGeneration.Symmetric(KeyType.Aes, 32);
        try
        {
            var template = AttributeSet.Empty
                .With(AttributeId.Label, Label(index))
                .With(AttributeId.Id, BigEndian(index))
                .With(AttributeId.Token, true)
                .With(AttributeId.Encrypt, true)
                .With(AttributeId.Decrypt, true);
            var attributes = AttributePolicy.ForNewKey(ObjectClass.SecretKey, KeyType.Aes, template, AttributePolicy.Origin.Generated);
            foreach (var (id, value) in generated.Computed.Values) attributes = attributes.With(id, value);
            return new KeyRecord
            {
                Handle = _handles[index],
                Owner = OwnerOf(index),
                Attributes = attributes,
                SealedMaterial = _domainKeys.Secrets.Seal(generated.Material, SealPurpose.KeyMaterial),
                CreatedAt = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero),
            };
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(generated.Material);
        }
    }

    /// <summary>The size of the database and its WAL on disk.</summary>
    public long BytesOnDisk() => new DirectoryInfo(Directory).EnumerateFiles().Sum(f => f.Length);

    public void Dispose()
    {
        Store.Dispose();
        _domainKeys.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory does not spoil the measurements.
        }
    }

    private void Populate()
    {
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < Count; start += KeysPerApply)
        {
            var end = Math.Min(Count, start + KeysPerApply);
            Store.Apply(writer =>
            {
                for (var i = start; i < end; i++) writer.PutKey(Key(i));
                return 0;
            });
        }
        Store.TruncateLog();
        PopulateTime = clock.Elapsed;
    }

    private void Reopen()
    {
        Store.Dispose();
        var clock = Stopwatch.StartNew();
        Store = SqlitePartitionStore.Open(Directory, _domainKeys);
        ReopenTime = clock.Elapsed;
        if (Store.KeyCount != Count) throw new InvalidOperationException($"The store holds {Store.KeyCount} keys, not {Count}.");
    }

    private static string Label(int index, int labelCount) => LabelOf(index % labelCount);

    private static byte[] BigEndian(int value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>Distinct random handles in 1..2^31-1, as KeyService draws them (seeded: every run stores the same keys).</summary>
    private static ulong[] DrawHandles(int count)
    {
        var random = new Random(20250601);
        var seen = new HashSet<ulong>(count);
        var handles = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            ulong handle;
            do handle = (ulong)random.Next(1, int.MaxValue);
            while (!seen.Add(handle));
            handles[i] = handle;
        }
        return handles;
    }
}
