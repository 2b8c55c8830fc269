using System.Globalization;
using System.Text.Json;

namespace CloudHsm.Pkcs11Load;

/// <summary>The results as a table on the console and, optionally, as JSON lines.</summary>
internal static class Report
{
    public static void PrintTable(IReadOnlyList<LoadResult> results, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("| module | operation | threads | calls/s | p50 µs | p99 µs |");
        output.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var op = r.Objects > 0 ? $"{Operations.Describe(r.Op)} among {r.Objects:N0}" : Operations.Describe(r.Op);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Module} | {op} | {r.Threads} | {(r.CallsPerSecond >= 100 ? r.CallsPerSecond.ToString("N0", CultureInfo.InvariantCulture) : r.CallsPerSecond.ToString("N1", CultureInfo.InvariantCulture))} | {r.P50Micros:N0} | {r.P99Micros:N0} |"));
        }
    }

    public static void AppendJson(IReadOnlyList<LoadResult> results, string path)
    {
        using var writer = File.AppendText(path);
        foreach (var r in results)
        {
            writer.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["module"] = r.Module, ["op"] = r.Op, ["threads"] = r.Threads, ["objects"] = r.Objects,
                ["calls"] = r.Calls, ["seconds"] = Math.Round(r.Seconds, 3), ["callsPerSecond"] = Math.Round(r.CallsPerSecond, 1),
                ["p50Micros"] = r.P50Micros, ["p99Micros"] = r.P99Micros,
            }));
        }
    }
}
