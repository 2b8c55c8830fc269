namespace CloudHsm.Bench;

/// <summary>
/// The populated store of the current process. With <c>--isolated</c> every benchmark runs in a
/// process of its own: its global setup populates a store and its global cleanup deletes it.
/// Otherwise all benchmarks run in one process, and populating 1,000,000 keys (minutes) for each
/// of them would dominate the run: the store is populated by the first global setup, reused by
/// the next ones with the same key count, and deleted when the key count changes or the process
/// exits.
/// </summary>
public static class SharedStore
{
    public const string ShareVariable = "CLOUDHSM_BENCH_SHARE_STORE";
    private static PopulatedStore? s_current;
    private static bool s_deleteAtExit;

    private static bool Sharing => Environment.GetEnvironmentVariable(ShareVariable) == "1";

    public static PopulatedStore Acquire(int keys)
    {
        if (s_current is { } current && current.Count == keys) return current;
        s_current?.Dispose();
        s_current = null;
        var store = PopulatedStore.Create(keys);
        Console.WriteLine(FormattableString.Invariant(
            $"// Populated {keys:N0} keys in {store.PopulateTime.TotalSeconds:F1} s ({keys / store.PopulateTime.TotalSeconds:N0} keys/s, {PopulatedStore.KeysPerApply:N0} keys per Apply), {store.BytesOnDisk() / 1048576.0:F1} MiB on disk; reopened in {store.ReopenTime.TotalSeconds:F2} s"));
        if (Sharing && !s_deleteAtExit)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Release(force: true);
            s_deleteAtExit = true;
        }
        s_current = store;
        return store;
    }

    public static void Release(bool force = false)
    {
        if (Sharing && !force) return;
        s_current?.Dispose();
        s_current = null;
    }
}
