using Cryo.Agent.Store;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// Turns the full dump in a pending checkpoint into an increment of its parent, by content, before commit: every
/// page whose hash equals the parent's for the same address becomes a parent run, only changed and new pages stay.
/// Works on every kernel; the parent's pages are not read (its page index is), the child's pages were hashed while
/// CRIU wrote them. Leaves the <c>parent</c> link pointing where the parent is seen from the committed checkpoint.
/// </summary>
internal static class ContentIncrement
{
    /// <summary>Rewrites <paramref name="pending"/>'s images; returns the record for the manifest and the child's own page index.</summary>
    /// <exception cref="IncrementalRewriteException">The rewrite failed; the dump is left as CRIU wrote it.</exception>
    /// <param name="pending">The pending checkpoint holding CRIU's full dump.</param>
    /// <param name="plan">The parent and the chain.</param>
    /// <param name="parentIndex">The parent's page index (<see cref="ReadParentIndex"/>); null to make it from the parent's images.</param>
    /// <param name="pageDigests">The page digests made while CRIU wrote the pages images.</param>
    /// <param name="prepared">The changed pages copied beside the dump (<see cref="EarlyChangedPages"/>), taken where they are exactly those to store.</param>
    /// <param name="discardDirectory">Where CRIU's replaced pages images are moved (same filesystem), for the caller to remove off the checkpoint's path.</param>
    /// <param name="dumpFiles">The digests made while CRIU wrote the images: a kept flat copy is recorded with them.</param>
    /// <param name="keepFlatCopy">Whether CRIU's replaced images stay in the checkpoint as its flat copy (<see cref="ManifestFlatCopy"/>) rather than being discarded.</param>
    /// <param name="logger">For a parent without a readable page index.</param>
    /// <param name="cancellationToken">Cancels the rewrite, leaving the dump as CRIU wrote it.</param>
    /// <returns>
    /// The record for the manifest, the child's own page index, its flat copy when one was kept, and the manifest entries of the
    /// pages images the rewrite wrote, made from the digests of the pages they hold (the commit need not read them again).
    /// </returns>
    public static (ManifestIncrement Increment, PageHashIndex Index, ManifestFlatCopy? FlatCopy, IReadOnlyList<ManifestFile> Written) Make(PendingCheckpoint pending, IncrementPlan plan,
        PageHashIndex? parentIndex, IReadOnlyList<PagesImageDigests> pageDigests, IReadOnlyList<PreparedPagesImage> prepared, string discardDirectory, IReadOnlyList<ManifestFile> dumpFiles, bool keepFlatCopy,
        ILogger logger, CancellationToken cancellationToken)
    {
        var parent = plan.Parent;
        // Without a usable committed index, made from the parent's images (reading its pages once): the rewrite cannot do without it.
        parentIndex ??= PageHashIndex.Build(parent.ImagesDirectory, PageDigests.Instance, cancellationToken);
        var flatDirectory = Path.Combine(pending.Directory, ManifestFlatCopy.DirectoryName);
        // Not synced here: the pending checkpoint is read by nobody before its commit, which syncs what the store's
        // policy says (ImageStoreOptions.SyncImageFiles), as for CRIU's own images.
        var rewriter = new IncrementalRewriter(PageDigests.Instance)
        {
            SyncFiles = false,
            DiscardDirectory = discardDirectory,
            OriginalsDirectory = keepFlatCopy ? flatDirectory : null,
            PreparedPages = prepared,
        };
        var result = rewriter.Rewrite(pending.ImagesDirectory, parent.ImagesDirectory,
            ManifestIncrement.ParentLinkTarget(parent.Key), parentIndex, [.. pageDigests], cancellationToken);
        logger.LogDebug("increment of {Parent}: rewrite {Ms:0} ms: {Steps}", parent, result.Duration.TotalMilliseconds, result.Steps);
        var increment = new ManifestIncrement
        {
            Method = ManifestIncrement.ContentBased,
            Parent = parent.Key,
            ChainLength = plan.ChainLength,
            Pages = result.Pages,
            PagesInParent = result.PagesInParent,
            MemoryBytesFull = result.BytesBefore,
            MemoryBytesStored = result.BytesAfter,
            RewriteMs = result.Duration.TotalMilliseconds,
            PagesCopiedBesideDump = result.Steps.EarlyCopiesTaken > 0 && result.Steps.EarlyCopiesRefused == 0,
        };
        return (increment, result.Index, FlatCopyOf(result, dumpFiles, flatDirectory, logger), WrittenFiles(result));
    }

    /// <summary>
    /// The written pages images listed by their pages' digests, known since CRIU wrote the pages: hashing them again at
    /// commit was a second pass over every changed page. The restore still checks each file against these digests.
    /// </summary>
    private static List<ManifestFile> WrittenFiles(IncrementalRewriteResult result) =>
    [
        .. result.WrittenPagesDigests
            .Select(pages => ChunkedSha256.EntryOfPages(StorePaths.ImagesDirectoryName + "/" + pages.FileName, pages, ChunkedSha256.DefaultChunkSize))
            .OfType<ManifestFile>(),
    ];

    /// <summary>
    /// The record of CRIU's images the rewrite kept, with the digests made while CRIU wrote them (a file is not read again);
    /// null, and the directory removed, when nothing was kept or a digest is missing (the copy is a cache: the checkpoint is whole without it).
    /// </summary>
    private static ManifestFlatCopy? FlatCopyOf(IncrementalRewriteResult result, IReadOnlyList<ManifestFile> dumpFiles, string flatDirectory, ILogger logger)
    {
        if (result.Originals.Count == 0)
        {
            return null;
        }
        var byPath = dumpFiles.ToDictionary(file => file.Path, StringComparer.Ordinal);
        var files = new List<ManifestFile>();
        foreach (var name in result.Originals)
        {
            if (!byPath.TryGetValue(StorePaths.ImagesDirectoryName + "/" + name, out var written)
                || written.Size != new FileInfo(Path.Combine(flatDirectory, name)).Length)
            {
                logger.LogWarning("no digest of {File} as CRIU wrote it; its flat copy is not kept", name);
                ImageStore.DeleteEntry(flatDirectory);
                return null;
            }
            files.Add(written with { Path = ManifestFlatCopy.DirectoryName + "/" + name });
        }
        return new ManifestFlatCopy { Files = files, Supersedes = [.. result.WrittenPagesFiles] };
    }

    /// <summary>
    /// The parent's page index as committed with it, checked against its manifest entry from the bytes it is parsed
    /// from (a restore's verification leaves the index out: this is where it is used); null for a checkpoint taken
    /// before indexes were kept, or one whose index does not match, for <see cref="Make"/> to make one from its images.
    /// </summary>
    /// <remarks>
    /// Nothing in it depends on the dump: the engine reads it while CRIU dumps, so that its 7-16 ms (1 GiB of memory:
    /// an 8.5 MiB index parsed and checked) are not added to the increment's commit. Making one from the parent's pages
    /// is left to <see cref="Make"/>: reading a gigabyte beside a frozen workload's dump would lengthen its downtime.
    /// </remarks>
    public static PageHashIndex? ReadParentIndex(StoredCheckpoint parent, ILogger logger)
    {
        if (!File.Exists(parent.PageIndexPath))
        {
            return null;
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var bytes = File.ReadAllBytes(parent.PageIndexPath);
            if (parent.Manifest.Files.FirstOrDefault(f => f.Path == StorePaths.PageIndexFileName) is { } entry)
            {
                ChecksumVerifier.VerifyBytes(parent, entry, bytes);
            }
            var index = PageHashIndex.Parse(bytes);
            logger.LogDebug("increment of {Parent}: its page index read and checked in {Ms:0} ms", parent, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return index;
        }
        catch (Exception e) when (e is FormatException or CheckpointCorruptedException)
        {
            logger.LogWarning("the page index of {Parent} cannot be used ({Reason}); hashing its pages instead", parent, e.Message);
            return null;
        }
    }
}
