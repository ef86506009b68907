namespace Cryo.Agent.Operations;

/// <summary>A committed checkpoint, as the checkpoint engine reports it.</summary>
/// <param name="Namespace">The checkpoint's namespace.</param>
/// <param name="Name">The checkpoint's name.</param>
/// <param name="Location">Its directory relative to the store root, e.g. <c>default/web-1-&lt;uid&gt;</c>.</param>
/// <param name="SizeBytes">Bytes it would take as a full checkpoint: its files, plus the memory an increment leaves in its parents.</param>
/// <param name="Freeze">How long the tree was frozen.</param>
/// <param name="Dump">How long CRIU's dump took.</param>
/// <param name="Total">The whole operation.</param>
/// <param name="ProcessCount">Processes in the dumped tree.</param>
/// <param name="CriuVersion">The CRIU version that dumped it, e.g. <c>4.2.1</c>.</param>
/// <param name="MemoryPagesBytes">Bytes of memory pages in the images.</param>
/// <param name="CreatedAt">When it was committed.</param>
public sealed record CheckpointOutcome(
    string Namespace,
    string Name,
    string Location,
    long SizeBytes,
    TimeSpan Freeze,
    TimeSpan Dump,
    TimeSpan Total,
    int ProcessCount,
    string CriuVersion,
    long MemoryPagesBytes,
    DateTimeOffset CreatedAt)
{
    /// <summary>Bytes its own files take in the store: what it adds (equal to <see cref="SizeBytes"/> for a full checkpoint).</summary>
    public long StoredBytes { get; init; } = SizeBytes;

    /// <summary>The parent checkpoint's name for an increment, else null.</summary>
    public string? Parent { get; init; }

    /// <summary>Checkpoints a restore reads, itself included: 1 for a full checkpoint.</summary>
    public int ChainLength { get; init; } = 1;

    /// <summary>How an increment was made (<c>contentBased</c>, <c>criuMemoryTracking</c>), else null.</summary>
    public string? IncrementMethod { get; init; }

    /// <summary>How the page images are compressed at rest (<c>zstd</c>), else null.</summary>
    public string? Compression { get; init; }

    /// <summary>
    /// Bytes of CRIU's full images an increment keeps beside it for fast restores while it is the newest of its chain
    /// (<see cref="Store.Manifest.ManifestFlatCopy"/>), not in <see cref="StoredBytes"/>; 0 when none is kept.
    /// </summary>
    public long FlatCopyBytes { get; init; }
}
