namespace Cryo.Operator.Retention;

/// <summary>
/// Something that may still need a Checkpoint, so that nothing Cryo deletes on its own (a schedule's pruning, a
/// ttlSecondsAfterFinished) goes while it does. Register one per kind of user in the container: the deleters ask them all.
/// </summary>
public interface ICheckpointHold
{
    /// <summary>Which of <paramref name="names"/> (Checkpoints of <paramref name="ns"/>) this holds, each with why.</summary>
    Task<IReadOnlyDictionary<string, string>> FindAsync(string ns, IReadOnlySet<string> names, CancellationToken cancellationToken);
}
