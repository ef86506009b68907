using System.Diagnostics;

namespace Cryo.Bench.Agent;

/// <summary>Progress receiver that stamps each stage with the Stopwatch time the engine reported it.</summary>
public sealed class StageClock<T> : IProgress<T> where T : notnull
{
    private readonly Dictionary<T, long> seen = [];

    public void Report(T value)
    {
        lock (seen)
        {
            seen.TryAdd(value, Stopwatch.GetTimestamp());
        }
    }

    public long? When(T stage)
    {
        lock (seen)
        {
            return seen.TryGetValue(stage, out var at) ? at : null;
        }
    }
}
