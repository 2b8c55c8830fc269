using System.Globalization;
using System.Text.Json;

namespace CloudHsm.ClusterLoad;

/// <summary>Prints a result line for people and, with --json, appends it as a JSON line for scripts.</summary>
internal sealed class Report(string? jsonPath)
{
    private static readonly JsonSerializerOptions Options = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static string Ms(double ms) => double.IsNaN(ms) ? "-" : ms.ToString(ms < 10 ? "0.00" : ms < 100 ? "0.0" : "#,0", CultureInfo.InvariantCulture);

    public void Line(string text, IReadOnlyDictionary<string, object?> fields)
    {
        Console.WriteLine(text);
        if (jsonPath is null) return;
        File.AppendAllText(jsonPath, JsonSerializer.Serialize(fields, Options) + Environment.NewLine);
    }
}
