namespace Cryo.Agent.Store;

/// <summary>
/// <see cref="ImageStore.RecoverAbandoned"/> removed what it could, but some temporary entries could not
/// be removed (e.g. an immutable file, an I/O error). The store is usable: temporary entries are never
/// listed. The agent should log this and carry on rather than refuse to start.
/// </summary>
public sealed class AbandonedEntriesRemainException : CheckpointStoreException
{
    /// <summary>Creates the exception from the sweep's outcome.</summary>
    public AbandonedEntriesRemainException(int removed, IReadOnlyList<string> remaining, Exception firstError)
        : base($"removed {removed} abandoned temporary entries, but {remaining.Count} could not be removed (first: {remaining[0]}: {firstError.Message})", firstError)
    {
        Removed = removed;
        Remaining = remaining;
    }

    /// <summary>How many entries were removed.</summary>
    public int Removed { get; }

    /// <summary>The entries that remain.</summary>
    public IReadOnlyList<string> Remaining { get; }
}
