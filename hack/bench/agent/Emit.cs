using System.Globalization;
using System.Text.Json;

namespace Cryo.Bench.Agent;

/// <summary>Figures to stdout (one JSON object a line), notes to stderr.</summary>
public static class Emit
{
    /// <summary>One figure; <paramref name="parts"/> adds the figures it was computed from, as keys of their own.</summary>
    /// <param name="workload">What ran, where a part measures more than one kind of workload (the in-pod part's "jvm-like" and "memhog").</param>
    public static void Metric(string metric, double value, string unit, int sizeMib, int runs, IReadOnlyDictionary<string, double>? parts = null, string? workload = null)
    {
        var fields = new Dictionary<string, object>
        {
            ["metric"] = metric,
            ["value"] = Math.Round(value, 4),
            ["unit"] = unit,
            ["size_mib"] = sizeMib,
            ["runs"] = runs,
        };
        if (workload is not null)
        {
            fields["workload"] = workload;
        }
        foreach (var (key, part) in parts ?? new Dictionary<string, double>())
        {
            fields[key] = Math.Round(part, 4);
        }
        var line = JsonSerializer.Serialize(fields);
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }

    public static void Note(string text) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[bench {DateTime.UtcNow:HH:mm:ss}] {text}"));

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
