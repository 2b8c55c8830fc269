namespace CloudHsm.Cli.Support;

/// <summary>Left-aligned columns, each as wide as its widest cell, two spaces apart.</summary>
internal static class TextTable
{
    public static IEnumerable<string> Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => i < r.Count ? r[i].Length : 0))).ToArray();
        yield return Line(headers, widths);
        foreach (var row in all) yield return Line(row, widths);
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
}
