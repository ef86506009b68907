namespace Cryo.Operator.Retention;

/// <summary>Every registered <see cref="ICheckpointHold"/>, asked together: a Checkpoint any of them holds is not deleted.</summary>
public sealed class CheckpointHolds(IEnumerable<ICheckpointHold> holds)
{
    /// <summary>Which of <paramref name="names"/> something still needs, with the first reason found.</summary>
    public async Task<IReadOnlyDictionary<string, string>> FindAsync(string ns, IReadOnlySet<string> names, CancellationToken cancellationToken)
    {
        var held = new Dictionary<string, string>();
        if (names.Count == 0)
        {
            return held;
        }

        foreach (var hold in holds)
        {
            foreach (var (name, why) in await hold.FindAsync(ns, names, cancellationToken))
            {
                held.TryAdd(name, why);
            }
        }

        return held;
    }
}
