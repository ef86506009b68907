namespace Cryo.Criu.Images;

/// <summary>What an <see cref="IncrementalRewriter"/> made of a full dump.</summary>
public sealed record IncrementalRewriteResult
{
    /// <summary>The page hashes of the dump's memory (every page it resolves, wherever stored): keep it for the next increment.</summary>
    public required PageHashIndex Index { get; init; }

    /// <summary>
    /// The target of the <c>parent</c> link now in the images directory (relative to it), or <c>null</c> when no page
    /// was found unchanged and the dump stays a self-contained full dump.
    /// </summary>
    public string? ParentLink { get; init; }

    /// <summary>Pages the dump holds contents for (before the rewrite, all stored in its own pages images).</summary>
    public long Pages { get; init; }

    /// <summary>Of <see cref="Pages"/>, those now read from the parent chain.</summary>
    public long PagesInParent { get; init; }

    /// <summary>Of <see cref="Pages"/>, those still stored in the dump's own pages images.</summary>
    public long PagesStored => Pages - PagesInParent;

    /// <summary>Bytes of the dump's pagemap and pages images before the rewrite.</summary>
    public long BytesBefore { get; init; }

    /// <summary>Bytes of the dump's pagemap and pages images after it: what the increment adds to the store for memory.</summary>
    public long BytesAfter { get; init; }

    /// <summary>Pagemap images rewritten (the others had nothing unchanged and were left as they were).</summary>
    public int PageMapsRewritten { get; init; }

    /// <summary>
    /// Names of CRIU's pagemaps and pages images moved into <see cref="IncrementalRewriter.OriginalsDirectory"/> (with the
    /// increment's other images, the full dump); empty when none was set, nothing was rewritten, or keeping them failed.
    /// </summary>
    public IReadOnlyList<string> Originals { get; init; } = [];

    /// <summary>Names of the pages images the rewrite wrote (the increment's own pages), which a full set of <see cref="Originals"/> makes unneeded.</summary>
    public IReadOnlyList<string> WrittenPagesFiles { get; init; } = [];

    /// <summary>
    /// The page digests of the pages images the rewrite wrote (<see cref="WrittenPagesFiles"/>), in file order, where
    /// they came from the digests given for CRIU's images: a caller that lists files by their pages' digests records
    /// them without reading the files again.
    /// </summary>
    public IReadOnlyList<PagesImageDigests> WrittenPagesDigests { get; init; } = [];

    /// <summary>Time spent, reading and hashing every page included.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Where <see cref="Duration"/> went, step by step.</summary>
    public IncrementalRewriteSteps Steps { get; init; } = new();
}
