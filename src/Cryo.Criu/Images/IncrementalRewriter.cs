using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cryo.Criu.Images;

/// <summary>
/// Turns a full CRIU dump into an increment of a parent checkpoint, by content: every page whose hash equals the
/// hash the parent's <see cref="PageHashIndex"/> lists for the same pagemap and address becomes a
/// <see cref="PageMapFlags.Parent"/> run; only changed and new pages stay in the pages images; the images
/// directory gets CRIU's <c>parent</c> link. The result is CRIU's own incremental form, so a plain
/// <c>criu restore</c> reads it — no soft-dirty tracking needed at dump time.
/// </summary>
/// <remarks>
/// <para>Chains: the parent may itself be an increment. Its index lists the contents its chain resolves, so "equal
/// to the parent" means equal to what a restore of the parent would read, wherever it is stored; CRIU follows the
/// links level by level.</para>
/// <para>Safety: the parent's pagemaps are checked against the index (their SHA-256, and that they hold every page
/// the increment leaves to them) before anything is written. New files are written beside CRIU's (a rewritten
/// pagemap names a new <c>pages-K.img</c>) and synced; then the <c>parent</c> link is made and each pagemap is
/// switched by a rename, which makes it point at its new pages image atomically; the old pages images go last.
/// The directory is restorable at every step. Any failure before the end puts CRIU's files back, so the directory
/// is left as CRIU wrote it. Durability of the directory entries is the caller's commit (Cryo commits whole
/// checkpoint directories by rename).</para>
/// <para>CPU and disk bound: every page is read and hashed once, unless <see cref="PagesImageDigests"/> made while
/// CRIU wrote the pages images are given, and then only the pages to store are read. Call it from a worker thread.</para>
/// </remarks>
/// <example>
/// <code>
/// var parentIndex = PageHashIndex.Load(parentIndexPath);   // or PageHashIndex.Build(parentImages, null, ct)
/// var result = new IncrementalRewriter().Rewrite(childImages, parentImages, parentIndex, ct);
/// result.Index.Save(childIndexPath);                         // for the next increment
/// </code>
/// </example>
public sealed class IncrementalRewriter
{
    /// <summary>Suffix of a rewritten pagemap waiting beside the original.</summary>
    internal const string NewSuffix = ".cryo-new";

    /// <summary>Suffix of an original pagemap kept while the commit runs.</summary>
    internal const string BackupSuffix = ".cryo-orig";

    private readonly IPageHasher _hasher;
    private readonly ILogger _logger;

    /// <summary>Creates a rewriter.</summary>
    /// <param name="hasher">The page hash; <c>null</c> for <see cref="Sha256PageHasher"/>. Must be the one the parents' indexes were made with.</param>
    /// <param name="logger">Receives one line per rewrite; <c>null</c> for none.</param>
    public IncrementalRewriter(IPageHasher? hasher = null, ILogger<IncrementalRewriter>? logger = null)
    {
        _hasher = hasher ?? Sha256PageHasher.Instance;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Called before each commit step ("link", "switch NAME"); a test throws from it to see the rollback.</summary>
    internal Action<string>? BeforeCommitStep { get; init; }

    /// <summary>
    /// Whether the new pages and pagemap images are fsynced before the switch (default): what a rewrite of a directory
    /// someone may restore from at any moment needs. A caller that rewrites a directory nobody reads until it commits
    /// it (and checks it by checksums after a crash, as Cryo's store does with CRIU's own unsynced images) turns it off:
    /// syncing the changed pages cost a tenth of a second per 100 MiB on this project's disks.
    /// </summary>
    public bool SyncFiles { get; init; } = true;

    /// <summary>
    /// Where the pages images the rewrite replaced are moved, on the same filesystem, instead of being removed; <c>null</c>
    /// (default) removes them. Removing CRIU's full pages image is the longest step of a rewrite: unlinking a 1 GiB file
    /// whose pages are still dirty took 0.6-0.7 s on this project's loaded VM, against a rename's microseconds. A caller
    /// that removes the directory later, beside other work, keeps that out of the checkpoint's time.
    /// </summary>
    public string? DiscardDirectory { get; init; }

    /// <summary>
    /// Where CRIU's pagemaps and pages images the rewrite replaced are moved, under their own names, instead of being
    /// removed or discarded; <c>null</c> (default) for neither. With the increment's other images they are the full dump
    /// CRIU wrote, a flat copy of the whole chain: restored from, it spares CRIU the reads through the <c>parent</c> links.
    /// Same filesystem as the images directory (moved by rename). Takes precedence over <see cref="DiscardDirectory"/>.
    /// </summary>
    public string? OriginalsDirectory { get; init; }

    /// <summary>
    /// Pages images of the changed pages made beside CRIU's dump (<see cref="EarlyPageCopy"/>); <c>null</c> (default) for
    /// none. One is moved in (a rename, so same filesystem) instead of copying the pages when it holds exactly the pages
    /// this rewrite decides to store, in order; any other is left where it is, and the pages copied as without it: the
    /// increment is the same bytes either way. Only used with digests of CRIU's pages images.
    /// </summary>
    public IReadOnlyCollection<PreparedPagesImage>? PreparedPages { get; init; }

    /// <summary>Rewrites the full dump in <paramref name="imagesDirectory"/> in place into an increment of <paramref name="parentImagesDirectory"/>.</summary>
    /// <param name="imagesDirectory">A complete full dump, as CRIU wrote it (no <c>parent</c> link, no parent runs).</param>
    /// <param name="parentImagesDirectory">The parent checkpoint's images directory; linked relatively, so keep both where a relative path still leads.</param>
    /// <param name="parentIndex">The parent's page hashes (<see cref="PageHashIndex.Load"/>, or the result of the parent's own rewrite).</param>
    /// <param name="cancellationToken">Checked between batches of pages; cancelling leaves the dump as CRIU wrote it.</param>
    /// <returns>The sizes before and after, and the dump's own index for its children.</returns>
    /// <exception cref="IncrementalRewriteException">The dump, the parent or the index do not fit, or writing failed; the dump is unchanged.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the dump is unchanged.</exception>
    public IncrementalRewriteResult Rewrite(string imagesDirectory, string parentImagesDirectory, PageHashIndex parentIndex,
        CancellationToken cancellationToken) =>
        Rewrite(imagesDirectory, parentImagesDirectory, parentIndex, null, cancellationToken);

    /// <summary>
    /// Rewrites the full dump in <paramref name="imagesDirectory"/> in place into an increment of
    /// <paramref name="parentImagesDirectory"/>, using the page hashes of its pages images computed while CRIU wrote
    /// them: only the pages to store are read.
    /// </summary>
    /// <param name="imagesDirectory">A complete full dump, as CRIU wrote it (no <c>parent</c> link, no parent runs).</param>
    /// <param name="parentImagesDirectory">The parent checkpoint's images directory; linked relatively, so keep both where a relative path still leads.</param>
    /// <param name="parentIndex">The parent's page hashes (<see cref="PageHashIndex.Load"/>, or the result of the parent's own rewrite).</param>
    /// <param name="pageDigests">
    /// Digests of the dump's pages images, by file name, made with this rewriter's hash; a pages image without them (or
    /// whose digests do not cover it exactly) is read and hashed here.
    /// </param>
    /// <param name="cancellationToken">Checked between batches of pages; cancelling leaves the dump as CRIU wrote it.</param>
    /// <returns>The sizes before and after, and the dump's own index for its children.</returns>
    /// <exception cref="IncrementalRewriteException">The dump, the parent or the index do not fit, or writing failed; the dump is unchanged.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the dump is unchanged.</exception>
    public IncrementalRewriteResult Rewrite(string imagesDirectory, string parentImagesDirectory, PageHashIndex parentIndex,
        IReadOnlyCollection<PagesImageDigests>? pageDigests, CancellationToken cancellationToken) =>
        Rewrite(imagesDirectory, parentImagesDirectory, null, parentIndex, pageDigests, cancellationToken);

    /// <summary>
    /// As <see cref="Rewrite(string, string, PageHashIndex, IReadOnlyCollection{PagesImageDigests}, CancellationToken)"/>,
    /// with the <c>parent</c> link's target given: for a dump rewritten where it was written and then moved (Cryo
    /// rewrites in a temporary directory and commits by a rename), the path that leads to the parent from where the
    /// dump will live.
    /// </summary>
    /// <param name="imagesDirectory">A complete full dump, as CRIU wrote it (no <c>parent</c> link, no parent runs).</param>
    /// <param name="parentImagesDirectory">The parent checkpoint's images directory, read from here.</param>
    /// <param name="parentLinkTarget">The relative target of the <c>parent</c> link to make; <c>null</c> for the way from <paramref name="imagesDirectory"/> to <paramref name="parentImagesDirectory"/>.</param>
    /// <param name="parentIndex">The parent's page hashes.</param>
    /// <param name="pageDigests">Digests of the dump's pages images, by file name, made with this rewriter's hash; <c>null</c> to read and hash every page.</param>
    /// <param name="cancellationToken">Checked between batches of pages; cancelling leaves the dump as CRIU wrote it.</param>
    /// <returns>The sizes before and after, and the dump's own index for its children.</returns>
    /// <exception cref="IncrementalRewriteException">The dump, the parent or the index do not fit, or writing failed; the dump is unchanged.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the dump is unchanged.</exception>
    public IncrementalRewriteResult Rewrite(string imagesDirectory, string parentImagesDirectory, string? parentLinkTarget, PageHashIndex parentIndex,
        IReadOnlyCollection<PagesImageDigests>? pageDigests, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagesDirectory);
        ArgumentException.ThrowIfNullOrEmpty(parentImagesDirectory);
        ArgumentNullException.ThrowIfNull(parentIndex);
        var started = Stopwatch.GetTimestamp();
        var directory = Path.GetFullPath(imagesDirectory);
        var parentDirectory = Path.GetFullPath(parentImagesDirectory);
        if (parentLinkTarget is not null && Path.IsPathRooted(parentLinkTarget))
        {
            throw new ArgumentException($"the parent link's target must be relative, got {parentLinkTarget}", nameof(parentLinkTarget));
        }
        var linkTarget = parentLinkTarget ?? Path.GetRelativePath(directory, parentDirectory);
        CheckPreconditions(directory, parentDirectory, parentIndex);

        var steps = new IncrementalRewriteSteps();
        var stages = new List<StagedPageMap>();
        try
        {
            foreach (var name in PageHashIndex.PageMapFileNames(directory))
            {
                stages.Add(Open(directory, name));
            }
            var nextPagesId = NextFreePagesId(directory, stages);
            var reader = new PresentRunReader(_hasher);
            foreach (var stage in stages)
            {
                stage.Digests = DigestsFor(stage, pageDigests);
                if (stage.Digests is null)
                {
                    stage.Hashes = new PageMapHashesBuilder(stage.Name, _hasher.DigestSize, stage.Map.PresentPageCount);
                }
                var parent = ParentPageMap(parentDirectory, stage.Name, parentIndex);
                steps.EndPageMaps();
                if (parent is null)
                {
                    HashOnly(stage, reader, cancellationToken);
                    steps.EndCopy();
                    continue;
                }
                Stage(directory, stage, parent.Value, nextPagesId, reader, steps, cancellationToken);
                if (stage.NewPageMapPath is not null)
                {
                    nextPagesId++;
                }
            }
            Commit(directory, linkTarget, stages);
            steps.EndCommit();
        }
        catch (Exception e)
        {
            Discard(stages);
            if (e is IOException or UnauthorizedAccessException or CriuImageFormatException)
            {
                throw new IncrementalRewriteException(directory,
                    $"increment of {directory} against {parentDirectory} failed, the dump is left as CRIU wrote it: {e.Message}", e);
            }
            throw;
        }

        var rewritten = stages.Where(s => s.Switched).ToList();
        var originals = OriginalsDirectory is null ? [] : KeepOriginals(rewritten);
        foreach (var stage in originals.Count == 0 ? rewritten : [])
        {
            // The commit is done: what is left are files nothing refers to any more.
            Discard(stage.OldPagesPath);
            TryDelete(stage.BackupPath);
        }
        var index = new PageHashIndex(_hasher.Algorithm, _hasher.DigestSize,
            stages.Select(s => s.ListHashes(SHA256.HashData(s.Switched ? s.NewPageMapBytes! : s.OriginalBytes))));
        steps.EndFinish();
        var result = new IncrementalRewriteResult
        {
            Index = index,
            ParentLink = rewritten.Count > 0 ? linkTarget : null,
            Pages = index.PageCount,
            PagesInParent = rewritten.Sum(s => s.PagesInParent),
            BytesBefore = stages.Sum(s => s.BytesBefore),
            BytesAfter = stages.Sum(s => s.Switched ? s.BytesAfter : s.BytesBefore),
            PageMapsRewritten = rewritten.Count,
            Originals = originals,
            WrittenPagesFiles = [.. rewritten.Select(s => Path.GetFileName(s.NewPagesPath!))],
            WrittenPagesDigests = [.. rewritten.Where(s => s.NewPagesDigests is not null).Select(s => s.NewPagesDigests!)],
            Duration = Stopwatch.GetElapsedTime(started),
            Steps = steps,
        };
        _logger.LogInformation(
            "Increment of {Directory} against {Parent}: {InParent} of {Pages} pages left to the parent, {Before} -> {After} bytes, {Seconds:0.000} s",
            directory, parentDirectory, result.PagesInParent, result.Pages, result.BytesBefore, result.BytesAfter, result.Duration.TotalSeconds);
        return result;
    }

    private void CheckPreconditions(string directory, string parentDirectory, PageHashIndex parentIndex)
    {
        if (Environment.SystemPageSize != PageMap.PageSize)
        {
            throw new PlatformNotSupportedException($"pages of {Environment.SystemPageSize} bytes; increments are made of {PageMap.PageSize}-byte pages");
        }
        if (!Directory.Exists(directory))
        {
            throw new IncrementalRewriteException(directory, $"images directory {directory} does not exist");
        }
        if (!Directory.Exists(parentDirectory))
        {
            throw new IncrementalRewriteException(directory, $"parent images directory {parentDirectory} of {directory} does not exist");
        }
        if (string.Equals(directory.TrimEnd('/'), parentDirectory.TrimEnd('/'), StringComparison.Ordinal))
        {
            throw new IncrementalRewriteException(directory, $"{directory} cannot be its own parent");
        }
        var link = Path.Combine(directory, CriuImageFiles.ParentLink);
        if (Path.Exists(link) || new FileInfo(link).LinkTarget is not null)
        {
            throw new IncrementalRewriteException(directory, $"{directory} already has a {CriuImageFiles.ParentLink} link: it is an increment already");
        }
        if (parentIndex.Algorithm != _hasher.Algorithm || parentIndex.DigestSize != _hasher.DigestSize)
        {
            throw new IncrementalRewriteException(directory,
                $"the parent's page index was made with {parentIndex.Algorithm}, this rewriter hashes with {_hasher.Algorithm}");
        }
    }

    private static StagedPageMap Open(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        var bytes = File.ReadAllBytes(path);
        var map = PageMap.Read(new MemoryStream(bytes, writable: false), path);
        if (map.InParentPageCount > 0)
        {
            throw new CriuImageFormatException(path, $"keeps {map.InParentPageCount} pages in a parent already: not a full dump");
        }
        var pagesPath = Path.Combine(directory, map.PagesFileName);
        PresentRunReader.CheckLength(map, pagesPath);
        return new StagedPageMap
        {
            Name = name,
            Map = map,
            OriginalBytes = bytes,
            PageMapPath = path,
            OldPagesPath = pagesPath,
            BytesBefore = bytes.Length + map.PagesImageLength,
        };
    }

    /// <summary>The parent's list and pagemap of the same name, checked to be the images the list was made from; null when the parent has none.</summary>
    private static (PageMapHashes Hashes, PageMap Map, string Path)? ParentPageMap(string parentDirectory, string name, PageHashIndex parentIndex)
    {
        var hashes = parentIndex.Find(name);
        if (hashes is null || hashes.Count == 0)
        {
            return null;
        }
        var path = Path.Combine(parentDirectory, name);
        if (!File.Exists(path))
        {
            throw new CriuImageFormatException(path, "is missing, though the parent's page index lists its pages");
        }
        var bytes = File.ReadAllBytes(path);
        if (!SHA256.HashData(bytes).AsSpan().SequenceEqual(hashes.PageMapDigest))
        {
            throw new CriuImageFormatException(path, "is not the pagemap the parent's page index was made for");
        }
        return (hashes, PageMap.Read(new MemoryStream(bytes, writable: false), path), path);
    }

    /// <summary>The hashes of a pagemap the parent has nothing for: they go into the dump's own index only (read here unless given).</summary>
    private static void HashOnly(StagedPageMap stage, PresentRunReader reader, CancellationToken cancellationToken)
    {
        if (stage.Map.PresentPageCount == 0 || stage.Hashes is not { } hashes)
        {
            return;
        }
        using var pagesFile = File.OpenHandle(stage.OldPagesPath);
        for (var i = 0; i < stage.Map.Runs.Count; i++)
        {
            if (stage.Map.Runs[i].IsPresent)
            {
                reader.ReadRun(pagesFile, stage.OldPagesPath, stage.Map, i, (first, _, digests) => hashes.AddRun(first, digests), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Writes the pages that differ from the parent's into a new pages image and the pagemap that goes with it beside
    /// the original; leaves nothing behind when no page is unchanged.
    /// </summary>
    private void Stage(string directory, StagedPageMap stage, (PageMapHashes Hashes, PageMap Map, string Path) parent, uint pagesId,
        PresentRunReader reader, IncrementalRewriteSteps steps, CancellationToken cancellationToken)
    {
        var map = stage.Map;
        var newPagesPath = Path.Combine(directory, CriuImageFiles.PagesFileName(pagesId));
        var rewrite = new PageMapRewrite(parent.Hashes, parent.Map, parent.Path, stage.Hashes);
        // Gathered pages are written by offset, past the page cache: the file is not read again before a restore, and caching
        // it took fresh memory at several times the cost (OwnerOnlyFile.CreateDirect). Pages handed over batch by batch go
        // through a stream's buffer.
        if (stage.Digests is { } digests)
        {
            // Hashed while CRIU wrote them: decide first, then read only what is stored (nothing when all of it is).
            var toStore = Compare(map, digests, rewrite, cancellationToken);
            steps.EndCompare();
            if (rewrite.InParent > 0 && TakePrepared(stage, toStore, newPagesPath, steps))
            {
                stage.NewPagesDigests = StoredDigests(digests, toStore, Path.GetFileName(newPagesPath));
                steps.EndCopy();
                if (SyncFiles)
                {
                    using var taken = File.OpenHandle(newPagesPath, FileMode.Open, FileAccess.ReadWrite);
                    RandomAccess.FlushToDisk(taken);
                    steps.EndSync();
                }
            }
            else
            {
                WritePages(stage, newPagesPath, rewrite, steps, output =>
                {
                    if (rewrite.InParent > 0)
                    {
                        CopyStored(stage, toStore, output, cancellationToken);
                        stage.NewPagesDigests = StoredDigests(digests, toStore, Path.GetFileName(newPagesPath));
                    }
                });
            }
        }
        else
        {
            WritePages(stage, newPagesPath, rewrite, steps, output => ReadAndCompare(stage, rewrite, reader, output, cancellationToken));
        }
        var (inParent, stored, runs) = (rewrite.InParent, rewrite.Stored, rewrite.Runs);
        if (inParent == 0)
        {
            // Nothing to leave to the parent: the pagemap stays as CRIU wrote it.
            TryDelete(newPagesPath);
            stage.NewPagesPath = null;
            stage.NewPagesDigests = null;
            return;
        }
        var rewritten = new PageMap(pagesId, runs);
        var bytes = rewritten.ToImageBytes();
        var newPageMapPath = stage.PageMapPath + NewSuffix;
        stage.NewPageMapPath = newPageMapPath;
        using (var stream = OwnerOnlyFile.Create(newPageMapPath, FileMode.Create))
        {
            stream.Write(bytes);
            stream.Flush();
            steps.EndWritePageMaps();
            if (SyncFiles)
            {
                stream.Flush(flushToDisk: true);
                steps.EndSync();
            }
        }
        stage.NewPageMapBytes = bytes;
        stage.PagesInParent = inParent;
        stage.BytesAfter = bytes.Length + stored * PageMap.PageSize;
    }

    /// <summary>Creates the new pages image, has <paramref name="write"/> fill it, and flushes it (to disk when <see cref="SyncFiles"/>).</summary>
    private void WritePages(StagedPageMap stage, string newPagesPath, PageMapRewrite rewrite, IncrementalRewriteSteps steps, Action<FileStream> write)
    {
        using var output = stage.Digests is null ? OwnerOnlyFile.Create(newPagesPath, FileMode.CreateNew, bufferSize: 1 << 20) : OwnerOnlyFile.CreateDirect(newPagesPath);
        stage.NewPagesPath = newPagesPath;
        write(output);
        output.Flush();
        steps.EndCopy();
        if (SyncFiles && rewrite.InParent > 0)
        {
            output.Flush(flushToDisk: true);
            steps.EndSync();
        }
    }

    /// <summary>
    /// Moves in the pages image prepared beside the dump for <paramref name="stage"/>'s, when it holds exactly the pages to
    /// store (<paramref name="toStore"/>, positions in CRIU's image) and nothing else; false to copy them as without it.
    /// </summary>
    private bool TakePrepared(StagedPageMap stage, long[] toStore, string newPagesPath, IncrementalRewriteSteps steps)
    {
        if (PreparedPages?.FirstOrDefault(p => p.PagesFileName == stage.Map.PagesFileName) is not { } prepared)
        {
            return false;
        }
        var fits = prepared.PagesSeen == stage.Map.PresentPageCount && prepared.Pages.Span.SequenceEqual(toStore)
            && new FileInfo(prepared.Path) is { Exists: true } file && file.Length == (long)toStore.Length * PageMap.PageSize;
        if (!fits)
        {
            // The dump's layout is not the parent's (or the early copy fell behind, or failed): the pages are copied now.
            _logger.LogDebug("The pages of {PagesImage} copied beside the dump are not those to store ({Copied} of {Seen} pages against {Stored} of {Present}): copying them again",
                prepared.PagesFileName, prepared.Pages.Length, prepared.PagesSeen, toStore.Length, stage.Map.PresentPageCount);
            steps.EarlyCopyRefused();
            return false;
        }
        try
        {
            File.Move(prepared.Path, newPagesPath);
        }
        catch (IOException e)
        {
            _logger.LogWarning("Could not move the pages of {PagesImage} copied beside the dump into place ({Error}): copying them again", prepared.PagesFileName, e.Message);
            steps.EarlyCopyRefused();
            return false;
        }
        stage.NewPagesPath = newPagesPath;
        steps.EarlyCopyTaken();
        return true;
    }

    /// <summary>Places every page by its digest; returns the positions in the pages image of those to store, ascending.</summary>
    private static long[] Compare(PageMap map, PagesImageDigests digests, PageMapRewrite rewrite, CancellationToken cancellationToken)
    {
        var stored = new List<long>();
        for (var i = 0; i < map.Runs.Count; i++)
        {
            var run = map.Runs[i];
            if (!run.IsPresent)
            {
                rewrite.Keep(run);
                continue;
            }
            var firstPage = map.RunOffset(i) / PageMap.PageSize;
            for (var p = 0L; p < (long)run.PageCount; p++)
            {
                if (p % PresentRunReader.BatchPages == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
                if (rewrite.Take(run.Address + (ulong)p * PageMap.PageSize, digests.DigestAt(firstPage + p), run.Flags))
                {
                    stored.Add(firstPage + p);
                }
            }
            rewrite.EndRun();
        }
        return [.. stored];
    }

    /// <summary>Copies the pages at <paramref name="stored"/> of CRIU's pages image into the new one, back to back, on every core.</summary>
    private static void CopyStored(StagedPageMap stage, long[] stored, FileStream output, CancellationToken cancellationToken)
    {
        if (stored.Length == 0)
        {
            return;
        }
        using var pagesFile = File.OpenHandle(stage.OldPagesPath);
        PageCopier.CopySplit(pagesFile, stage.OldPagesPath, stored, output.SafeFileHandle, Environment.ProcessorCount, cancellationToken);
    }

    /// <summary>The digests of the stored pages, in the new file's order: its listing is made from them, not by reading it again.</summary>
    private static PagesImageDigests StoredDigests(PagesImageDigests digests, long[] stored, string fileName)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(stored.Length * digests.DigestSize);
        for (var i = 0; i < stored.Length; i++)
        {
            digests.DigestAt(stored[i]).CopyTo(bytes.AsSpan(i * digests.DigestSize));
        }
        return new PagesImageDigests(fileName, digests.Algorithm, digests.DigestSize, bytes);
    }

    /// <summary>Reads and hashes every present page, placing each and writing those to store: for pages nobody hashed before.</summary>
    private void ReadAndCompare(StagedPageMap stage, PageMapRewrite rewrite, PresentRunReader reader, FileStream output, CancellationToken cancellationToken)
    {
        var map = stage.Map;
        using var pagesFile = map.PresentPageCount > 0 ? File.OpenHandle(stage.OldPagesPath) : null;
        for (var i = 0; i < map.Runs.Count; i++)
        {
            var run = map.Runs[i];
            if (!run.IsPresent)
            {
                rewrite.Keep(run);
                continue;
            }
            reader.ReadRun(pagesFile!, stage.OldPagesPath, map, i, (first, pages, hashes) =>
            {
                for (var p = 0; p < pages.Length / PageMap.PageSize; p++)
                {
                    if (rewrite.Take(first + (ulong)p * PageMap.PageSize, hashes.Slice(p * _hasher.DigestSize, _hasher.DigestSize), run.Flags))
                    {
                        output.Write(pages.Slice(p * PageMap.PageSize, PageMap.PageSize));
                    }
                }
            }, cancellationToken);
            rewrite.EndRun();
        }
    }

    /// <summary>Links the parent, then switches each rewritten pagemap by a rename; puts everything back if a step fails.</summary>
    private void Commit(string directory, string linkTarget, List<StagedPageMap> stages)
    {
        var rewritten = stages.Where(s => s.NewPageMapPath is not null).ToList();
        if (rewritten.Count == 0)
        {
            return;
        }
        var link = Path.Combine(directory, CriuImageFiles.ParentLink);
        var linked = false;
        try
        {
            BeforeCommitStep?.Invoke("link");
            File.CreateSymbolicLink(link, linkTarget);
            linked = true;
            foreach (var stage in rewritten)
            {
                BeforeCommitStep?.Invoke("switch " + stage.Name);
                File.Copy(stage.PageMapPath, stage.BackupPath, overwrite: true);
                File.Move(stage.NewPageMapPath!, stage.PageMapPath, overwrite: true);
                stage.Switched = true;
            }
        }
        catch
        {
            foreach (var stage in rewritten.Where(s => s.Switched))
            {
                File.Move(stage.BackupPath, stage.PageMapPath, overwrite: true);
                stage.Switched = false;
            }
            if (linked)
            {
                File.Delete(link);
            }
            throw;
        }
    }

    /// <summary>Removes every file the rewrite added; CRIU's own files are untouched or already put back.</summary>
    private void Discard(List<StagedPageMap> stages)
    {
        foreach (var stage in stages)
        {
            if (stage.Switched)
            {
                // Only reachable if putting a pagemap back failed: leave its new pages image, which it names.
                _logger.LogError("Could not put back {PageMap} after a failed increment: it stays rewritten", stage.PageMapPath);
                continue;
            }
            if (stage.NewPagesPath is not null)
            {
                TryDelete(stage.NewPagesPath);
            }
            if (stage.NewPageMapPath is not null)
            {
                TryDelete(stage.NewPageMapPath);
            }
            TryDelete(stage.BackupPath);
        }
    }

    /// <summary>The digests given for <paramref name="stage"/>'s pages image, if they fit it exactly.</summary>
    private PagesImageDigests? DigestsFor(StagedPageMap stage, IReadOnlyCollection<PagesImageDigests>? pageDigests)
    {
        var digests = pageDigests?.FirstOrDefault(d => d.FileName == stage.Map.PagesFileName);
        if (digests is null)
        {
            return null;
        }
        if (digests.Algorithm != _hasher.Algorithm || digests.DigestSize != _hasher.DigestSize)
        {
            throw new ArgumentException($"digests of {digests.FileName} are {digests.Algorithm}; this rewriter hashes with {_hasher.Algorithm}",
                nameof(pageDigests));
        }
        if (digests.PageCount != stage.Map.PresentPageCount)
        {
            _logger.LogWarning("Digests of {PagesImage} cover {Digested} pages, its pagemap {Present}: hashing it again",
                digests.FileName, digests.PageCount, stage.Map.PresentPageCount);
            return null;
        }
        return digests;
    }

    /// <summary>A pages id above every one in use in the directory, so new pages images never meet CRIU's.</summary>
    private static uint NextFreePagesId(string directory, List<StagedPageMap> stages)
    {
        var highest = stages.Count == 0 ? 0 : stages.Max(s => s.Map.PagesId);
        foreach (var file in Directory.EnumerateFiles(directory, CriuImageFiles.PagesPrefix + "*" + CriuImageFiles.ImageSuffix))
        {
            var name = Path.GetFileName(file);
            if (CriuImageFiles.IsPagesImage(name)
                && uint.TryParse(name.AsSpan(CriuImageFiles.PagesPrefix.Length, name.Length - CriuImageFiles.PagesPrefix.Length - CriuImageFiles.ImageSuffix.Length),
                    NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                highest = Math.Max(highest, id);
            }
        }
        return checked(highest + 1);
    }

    /// <summary>
    /// Moves each rewritten pagemap's original (its backup) and CRIU's pages image into <see cref="OriginalsDirectory"/>;
    /// all or none: when one move fails, those moved are removed and nothing is kept (the increment itself is complete).
    /// </summary>
    /// <returns>The names of the files kept, pagemaps and pages images.</returns>
    private List<string> KeepOriginals(List<StagedPageMap> rewritten)
    {
        var kept = new List<string>();
        try
        {
            Directory.CreateDirectory(OriginalsDirectory!);
            foreach (var stage in rewritten)
            {
                File.Move(stage.BackupPath, Path.Combine(OriginalsDirectory!, stage.Name));
                kept.Add(stage.Name);
                var pages = Path.GetFileName(stage.OldPagesPath);
                File.Move(stage.OldPagesPath, Path.Combine(OriginalsDirectory!, pages));
                kept.Add(pages);
            }
            return kept;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Could not keep CRIU's full images in {Directory}, removing them: {Error}", OriginalsDirectory, e.Message);
            foreach (var name in kept)
            {
                TryDelete(Path.Combine(OriginalsDirectory!, name));
            }
            return [];
        }
    }

    /// <summary>Moves a replaced file into <see cref="DiscardDirectory"/>, or removes it when there is none (or the move fails).</summary>
    private void Discard(string path)
    {
        if (DiscardDirectory is not null)
        {
            try
            {
                File.Move(path, Path.Combine(DiscardDirectory, Path.GetFileName(path)));
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning("Could not move {Path} into {Directory}, removing it here: {Error}", path, DiscardDirectory, e.Message);
            }
        }
        TryDelete(path);
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Could not remove {Path}: {Error}", path, e.Message);
        }
    }
}
