namespace Cryo.Criu.Images;

/// <summary>
/// Writes the memory of an increment as a full dump holds it: each pagemap of the chain's first level again, with
/// every run a restore would fill from a parent turned into a present run whose pages are copied, through the
/// parent links, into the pages image. What CRIU's restore reads from the chain, written out once, so that a reader
/// without the parents (a runtime restoring an exported archive) finds the same memory. The other images of the
/// level are the caller's to take as they are.
/// </summary>
public static class ImageChainFlattener
{
    private const int PagesBufferSize = 1024 * 1024;

    /// <summary>
    /// Writes a pagemap (under its own name) and its pages image into <paramref name="targetDirectory"/> for every
    /// pagemap of <paramref name="chain"/>'s first level; returns the names written.
    /// </summary>
    /// <exception cref="CriuImageFormatException">A pagemap does not decode, or leaves a page to a parent that lacks it.</exception>
    public static IReadOnlyList<string> Flatten(ImageChain chain, string targetDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var written = new List<string>();
        var pageMaps = Directory.EnumerateFiles(chain.ImagesDirectory)
            .Select(Path.GetFileName)
            .Where(name => CriuImageFiles.IsAnyPageMapImage(name!))
            .Order(StringComparer.Ordinal);
        foreach (var name in pageMaps)
        {
            var map = chain.PageMap(name!)!;
            var runs = WritePages(chain, name!, map, Path.Combine(targetDirectory, map.PagesFileName), cancellationToken);
            var bytes = new PageMap(map.PagesId, runs).ToImageBytes();
            using (var pageMap = OwnerOnlyFile.Create(Path.Combine(targetDirectory, name!), FileMode.CreateNew))
            {
                pageMap.Write(bytes);
            }
            written.Add(name!);
            written.Add(map.PagesFileName);
        }
        return written;
    }

    // Copies every page with contents, in run order, and gives the runs that describe the copy: runs split only where
    // the flags of the level that stored a page change, so lazy and eager memory keep the flags CRIU gave them. The chain
    // is resolved a run at a time and each stretch of consecutive pages of one level's image is copied in one call, in the
    // kernel: a restore waits for this copy, and page by page it would cost what CRIU's reads through the links cost.
    private static List<PageRun> WritePages(ImageChain chain, string fileName, PageMap map, string pagesPath, CancellationToken cancellationToken)
    {
        var runs = new List<PageRun>(map.Runs.Count);
        var extents = new List<PageExtent>();
        var buffer = new byte[PagesBufferSize];
        using var pages = OwnerOnlyFile.Create(pagesPath, FileMode.CreateNew, bufferSize: 0);
        var written = 0L;
        foreach (var run in map.Runs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!run.HasContent)
            {
                runs.Add(run);
                continue;
            }
            extents.Clear();
            if (chain.Resolve(fileName, run.Address, run.PageCount, extents) is { } missing)
            {
                throw new CriuImageFormatException(Path.Combine(chain.ImagesDirectory, fileName), $"has no contents for page 0x{missing:x}");
            }
            var pending = default(PageRun);
            var copy = extents[0];
            for (var i = 0; i < extents.Count; i++)
            {
                var extent = extents[i];
                var flags = (extent.StoredAs & ~PageMapFlags.Parent) | PageMapFlags.Present;
                if (pending.PageCount > 0 && pending.Flags == flags)
                {
                    pending = pending with { PageCount = pending.PageCount + extent.PageCount };
                }
                else
                {
                    if (pending.PageCount > 0)
                    {
                        runs.Add(pending);
                    }
                    pending = new PageRun(extent.Address, extent.PageCount, flags);
                }
                if (i > 0 && copy.Continues(extent))
                {
                    copy = copy with { PageCount = copy.PageCount + extent.PageCount };
                }
                else if (i > 0)
                {
                    written += Copy(copy, pages, written, buffer);
                    copy = extent;
                }
            }
            written += Copy(copy, pages, written, buffer);
            runs.Add(pending);
        }
        return runs;
    }

    private static long Copy(PageExtent extent, FileStream pages, long offset, byte[] buffer)
    {
        FileRangeCopy.Copy(extent.PagesFile, extent.PagesPath, extent.Offset, pages.SafeFileHandle, offset, extent.Length, buffer);
        return extent.Length;
    }
}
