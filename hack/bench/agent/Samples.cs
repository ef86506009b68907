namespace Cryo.Bench.Agent;

/// <summary>Named series of measurements of one size.</summary>
public sealed class Samples
{
    private readonly Dictionary<string, List<double>> series = [];

    public void Add(string name, double value)
    {
        if (!series.TryGetValue(name, out var list))
        {
            series[name] = list = [];
        }
        list.Add(value);
    }

    public double Median(string name) => Emit.Median(series[name]);

    public double Last(string name) => series[name][^1];

    public int Count(string name) => series.TryGetValue(name, out var list) ? list.Count : 0;
}
