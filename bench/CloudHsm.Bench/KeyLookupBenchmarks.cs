using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CloudHsm.Core.Keys;

namespace CloudHsm.Bench;

/// <summary>
/// Key lookups in a full <see cref="CloudHsm.Storage.SqlitePartitionStore"/>, each next to a scan
/// that answers the same query without an index:
/// <list type="bullet">
/// <item><c>Index</c>: the store's own lookup (<c>FindKeys</c> on the label pseudonym index,
/// <c>FindKey</c> on the handle primary key), opening only the rows it returns.</item>
/// <item><c>SealedScan</c>: what this store would do with no index over its sealed rows: page
/// through every key (<c>FindKeys</c> with no filter, 10,000 a page, the API's largest page),
/// open each row and match the query in memory, stopping as soon as the answer is complete.</item>
/// <item><c>MemoryScan</c>: the cheapest scan there is, a lower bound for any store without an
/// index: every record already opened and held in a <c>List&lt;KeyRecord&gt;</c>, matched with
/// <see cref="KeyQuery.Matches"/> (what the tests' in-memory store does).</item>
/// </list>
/// Each call asks for the next of 1,024 labels or handles drawn at random beforehand, so the
/// index does not answer from the same few pages every time.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class KeyLookupBenchmarks
{
    public const string KeyCountVariable = "CLOUDHSM_BENCH_KEYS";
    private const int ScanPage = 10_000;
    private const int Queries = 1_024;

    private PopulatedStore _fixture = null!;
    private List<KeyRecord> _records = null!;
    private string[] _hitLabels = null!;
    private string[] _missLabels = null!;
    private string[] _hitOwners = null!;
    private ulong[] _handles = null!;
    private int _next;

    /// <summary>The key counts to run: <c>--keys</c> (through <see cref="KeyCountVariable"/>), else 100,000.</summary>
    public static IEnumerable<int> KeyCounts() =>
        (Environment.GetEnvironmentVariable(KeyCountVariable) ?? "100000")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => int.Parse(n, NumberStyles.AllowThousands, CultureInfo.InvariantCulture));

    [ParamsSource(nameof(KeyCounts))]
    public int Keys { get; set; }

    [GlobalSetup(Targets = [nameof(LabelHit_MemoryScan), nameof(LabelMiss_MemoryScan), nameof(Handle_MemoryScan)])]
    public void SetupWithRecordsInMemory()
    {
        Setup();
        _records = new List<KeyRecord>(Keys);
        for (var after = 0UL; ;)
        {
            var page = _fixture.Store.FindKeys(new KeyQuery { AfterHandle = after, Limit = ScanPage });
            _records.AddRange(page);
            if (page.Count < ScanPage) break;
            after = page[^1].Handle;
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _fixture = SharedStore.Acquire(Keys);
        var random = new Random(7);
        var labelNumbers = Enumerable.Range(0, Queries).Select(_ => random.Next(_fixture.LabelCount)).ToArray();
        _hitLabels = labelNumbers.Select(PopulatedStore.LabelOf).ToArray();
        // Key number j has label number j (and so do j + LabelCount, ...), all owned by OwnerOf(j).
        _hitOwners = labelNumbers.Select(PopulatedStore.OwnerOf).ToArray();
        _missLabels = Enumerable.Range(0, Queries).Select(i => PopulatedStore.LabelOf(_fixture.LabelCount + i)).ToArray();
        _handles = Enumerable.Range(0, Queries).Select(_ => _fixture.Handle(random.Next(Keys))).ToArray();
        if (_fixture.Store.FindKeys(new KeyQuery { Label = _hitLabels[0] }).Count != PopulatedStore.KeysPerLabel
            || _fixture.Store.FindKeys(new KeyQuery { Label = _hitLabels[0], VisibleTo = _hitOwners[0] }).Count != PopulatedStore.KeysPerLabel
            || _fixture.Store.FindKeys(new KeyQuery { Label = _missLabels[0] }).Count != 0)
        {
            throw new InvalidOperationException("A label does not find its keys, or a missing label finds some.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _records = null!;
        SharedStore.Release();
    }

    // ----- label that exists (10 keys) -----

    [Benchmark(Baseline = true), BenchmarkCategory("label hit")]
    public IReadOnlyList<KeyRecord> LabelHit_Index() => _fixture.Store.FindKeys(new KeyQuery { Label = _hitLabels[Next()] });

    [Benchmark, BenchmarkCategory("label hit")]
    public IReadOnlyList<KeyRecord> LabelHit_SealedScan() => SealedScan(new KeyQuery { Label = _hitLabels[Next()] });

    [Benchmark, BenchmarkCategory("label hit")]
    public IReadOnlyList<KeyRecord> LabelHit_MemoryScan() => MemoryScan(new KeyQuery { Label = _hitLabels[Next()] });

    /// <summary>The query the node runs for a CU: the label, and only keys it owns or was shared.</summary>
    [Benchmark, BenchmarkCategory("label hit")]
    public IReadOnlyList<KeyRecord> LabelHitAsOwner_Index()
    {
        var i = Next();
        return _fixture.Store.FindKeys(new KeyQuery { Label = _hitLabels[i], VisibleTo = _hitOwners[i] });
    }

    // ----- label that no key has -----

    [Benchmark(Baseline = true), BenchmarkCategory("label miss")]
    public IReadOnlyList<KeyRecord> LabelMiss_Index() => _fixture.Store.FindKeys(new KeyQuery { Label = _missLabels[Next()] });

    [Benchmark, BenchmarkCategory("label miss")]
    public IReadOnlyList<KeyRecord> LabelMiss_SealedScan() => SealedScan(new KeyQuery { Label = _missLabels[Next()] });

    [Benchmark, BenchmarkCategory("label miss")]
    public IReadOnlyList<KeyRecord> LabelMiss_MemoryScan() => MemoryScan(new KeyQuery { Label = _missLabels[Next()] });

    // ----- one key by handle -----

    [Benchmark(Baseline = true), BenchmarkCategory("handle")]
    public KeyRecord? Handle_Index() => _fixture.Store.FindKey(_handles[Next()]);

    [Benchmark, BenchmarkCategory("handle")]
    public KeyRecord? Handle_SealedScan()
    {
        var handle = _handles[Next()];
        return SealedScan(new KeyQuery { Limit = 1 }, k => k.Handle == handle).SingleOrDefault();
    }

    [Benchmark, BenchmarkCategory("handle")]
    public KeyRecord? Handle_MemoryScan()
    {
        var handle = _handles[Next()];
        return _records.Find(k => k.Handle == handle);
    }

    private int Next() => _next++ & (Queries - 1);

    private List<KeyRecord> MemoryScan(KeyQuery query) => _records.Where(query.Matches).Take(query.Limit).ToList();

    private List<KeyRecord> SealedScan(KeyQuery query, Func<KeyRecord, bool>? also = null)
    {
        var found = new List<KeyRecord>();
        for (var after = 0UL; ;)
        {
            var page = _fixture.Store.FindKeys(new KeyQuery { AfterHandle = after, Limit = ScanPage });
            foreach (var key in page)
            {
                if (!query.Matches(key) || (also is not null && !also(key))) continue;
                found.Add(key);
                if (found.Count == query.Limit) return found;
            }
            if (page.Count < ScanPage) return found;
            after = page[^1].Handle;
        }
    }
}
