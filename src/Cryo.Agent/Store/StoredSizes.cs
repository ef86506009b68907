namespace Cryo.Agent.Store;

/// <summary>The two sizes of a checkpoint: what it holds, and what it adds to the store.</summary>
public static class StoredSizes
{
    /// <summary>
    /// Bytes the checkpoint would take as a full one: its own files, plus the memory an increment made by content leaves
    /// to its parents. Equal to <see cref="StoredCheckpoint.SizeBytes"/> (what it adds to the store) for a full checkpoint.
    /// </summary>
    public static long LogicalBytes(StoredCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return checkpoint.SizeBytes + (checkpoint.Manifest.Increment?.BytesLeftInParents() ?? 0);
    }
}
