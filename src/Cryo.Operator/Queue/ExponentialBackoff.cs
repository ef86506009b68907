namespace Cryo.Operator.Queue;

/// <summary>Per-key failure counts turned into delays: base × 2^(failures-1), capped.</summary>
public sealed class ExponentialBackoff(TimeSpan baseDelay, TimeSpan maxDelay)
{
    private readonly Dictionary<ObjectKey, int> failures = [];
    private readonly Lock gate = new();

    /// <summary>Counts one more failure of <paramref name="key"/> and returns how long to wait.</summary>
    public TimeSpan NextDelay(ObjectKey key)
    {
        lock (gate)
        {
            var count = failures.TryGetValue(key, out var n) ? n + 1 : 1;
            failures[key] = count;
            var ticks = baseDelay.Ticks * Math.Pow(2, Math.Min(count - 1, 30));
            return ticks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks((long)ticks);
        }
    }

    /// <summary>How many failures in a row <paramref name="key"/> has.</summary>
    public int Failures(ObjectKey key)
    {
        lock (gate)
        {
            return failures.GetValueOrDefault(key);
        }
    }

    /// <summary>Forgets the failures of <paramref name="key"/> after a success.</summary>
    public void Forget(ObjectKey key)
    {
        lock (gate)
        {
            failures.Remove(key);
        }
    }
}
