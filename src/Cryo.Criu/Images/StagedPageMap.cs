namespace Cryo.Criu.Images;

/// <summary>One pagemap of a dump on its way to an increment: the original, and the files written beside it.</summary>
internal sealed class StagedPageMap
{
    public required string Name { get; init; }

    /// <summary>The pagemap as CRIU wrote it.</summary>
    public required PageMap Map { get; init; }

    /// <summary>Its bytes as CRIU wrote them.</summary>
    public required byte[] OriginalBytes { get; init; }

    /// <summary>The digests of its pages image made while CRIU wrote it, when they cover it; the dump's index is made from them.</summary>
    public PagesImageDigests? Digests { get; set; }

    /// <summary>Without <see cref="Digests"/>: the hash of every page it holds, as they are read.</summary>
    public PageMapHashesBuilder? Hashes { get; set; }

    /// <summary>Path of the pagemap image as CRIU wrote it.</summary>
    public required string PageMapPath { get; init; }

    /// <summary>Path of its pages image as CRIU wrote it.</summary>
    public required string OldPagesPath { get; init; }

    /// <summary>The rewritten pagemap, waiting beside the original for the commit.</summary>
    public string? NewPageMapPath { get; set; }

    /// <summary>The pages image of the rewritten pagemap (a new pages id): only the pages not kept in the parent.</summary>
    public string? NewPagesPath { get; set; }

    /// <summary>The original pagemap's copy while the commit runs, to put back if it fails.</summary>
    public string BackupPath => PageMapPath + IncrementalRewriter.BackupSuffix;

    /// <summary>Bytes of the rewritten pagemap image.</summary>
    public byte[]? NewPageMapBytes { get; set; }

    /// <summary>Pages found unchanged in the parent.</summary>
    public long PagesInParent { get; set; }

    /// <summary>Whether the rewritten pagemap has replaced the original.</summary>
    public bool Switched { get; set; }

    /// <summary>Bytes of the pagemap and pages images as CRIU wrote them.</summary>
    public required long BytesBefore { get; init; }

    /// <summary>Bytes of the rewritten pagemap and its pages image.</summary>
    public long BytesAfter { get; set; }

    /// <summary>
    /// The digests of the pages written to <see cref="NewPagesPath"/>, in file order, taken from those made while CRIU
    /// wrote them; null when the pages were read and hashed here instead.
    /// </summary>
    public PagesImageDigests? NewPagesDigests { get; set; }

    /// <summary>The list of its pages' hashes for the dump's own index, tied to the pagemap as it now stands by <paramref name="pageMapDigest"/>.</summary>
    public PageMapHashes ListHashes(byte[] pageMapDigest) =>
        // The digests, in the pages image's order, are the present pages' in address order (CRIU appends run after run):
        // listed as they are, wrapped, not copied.
        Digests is { } digests
            ? new PageMapHashes(Name, pageMapDigest, digests.DigestSize, Map.PresentAddresses(), digests.Bytes)
            : Hashes!.Build(pageMapDigest);
}
