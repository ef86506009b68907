namespace Cryo.Agent.Store.Manifest;

/// <summary>
/// How a checkpoint builds on its parent: its images are CRIU's incremental form (pagemap runs flagged
/// <c>PE_PARENT</c> read from the parent's images through the <c>images/parent</c> link), so a restore reads the
/// whole chain. Absent for a full checkpoint.
/// </summary>
public sealed class ManifestIncrement
{
    /// <summary>
    /// Made by content: CRIU dumped in full and the agent compared every page with the parent's page index before
    /// commit, keeping only what changed. Works on every kernel.
    /// </summary>
    public const string ContentBased = "contentBased";

    /// <summary>Made by CRIU's own memory tracking (soft-dirty: <c>--track-mem</c>, <c>--prev-images-dir</c>), where the kernel has it.</summary>
    public const string CriuMemoryTracking = "criuMemoryTracking";

    /// <summary>The link CRIU follows from a checkpoint's images to its parent's, relative to the images directory.</summary>
    public static string ParentLinkTarget(CheckpointKey parent)
    {
        ArgumentNullException.ThrowIfNull(parent);
        return $"../../{parent.DirectoryName}/{StorePaths.ImagesDirectoryName}";
    }

    /// <summary><see cref="ContentBased"/> or <see cref="CriuMemoryTracking"/>.</summary>
    public required string Method { get; set; }

    /// <summary>The parent checkpoint (same namespace), which must stay while this one exists.</summary>
    public required CheckpointKey Parent { get; set; }

    /// <summary>Checkpoints a restore reads, this one included: 2 for a child of a full checkpoint.</summary>
    public int ChainLength { get; set; }

    /// <summary>Memory pages this checkpoint resolves.</summary>
    public long Pages { get; set; }

    /// <summary>Of <see cref="Pages"/>, those read from the parent chain.</summary>
    public long PagesInParent { get; set; }

    /// <summary>Bytes of pagemap and pages images CRIU wrote (what a full checkpoint would have stored for memory).</summary>
    public long MemoryBytesFull { get; set; }

    /// <summary>Bytes of pagemap and pages images kept after the rewrite.</summary>
    public long MemoryBytesStored { get; set; }

    /// <summary>Milliseconds the rewrite took.</summary>
    public double RewriteMs { get; set; }

    /// <summary>
    /// Whether the changed pages were copied beside CRIU's dump and taken by the rewrite as they were (which then only
    /// rewrote the pagemaps: the dump's layout was the parent's), rather than copied by the rewrite after it.
    /// </summary>
    public bool PagesCopiedBesideDump { get; set; }

    /// <summary>Bytes of memory this checkpoint reads from its parents instead of storing them (0 when not known: CRIU's own increments).</summary>
    public long BytesLeftInParents() => Math.Max(0, MemoryBytesFull - MemoryBytesStored);
}
