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
        return LogicalBytes(checkpoint.SizeBytes, checkpoint.Manifest);
    }

    /// <summary>
    /// <see cref="LogicalBytes(StoredCheckpoint)"/> from the bytes a checkpoint's files take (<paramref name="storedBytes"/>) and its
    /// manifest: plus the memory left to its parents, plus what compression saved (its page images as CRIU wrote them).
    /// </summary>
    public static long LogicalBytes(long storedBytes, Manifest.CheckpointManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return storedBytes + (manifest.Increment?.BytesLeftInParents() ?? 0) + CompressionSaved(manifest);
    }

    /// <summary>Bytes compression at rest saved: the plain size of every compressed file less its stored size.</summary>
    public static long CompressionSaved(Manifest.CheckpointManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.Files.Where(file => file.PlainSize is not null).Sum(file => file.PlainSize!.Value - file.Size);
    }
}
