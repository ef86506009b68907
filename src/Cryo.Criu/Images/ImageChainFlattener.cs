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
    // the flags of the level that stored a page change, so lazy and eager memory keep the flags CRIU gave them.
    private static List<PageRun> WritePages(ImageChain chain, string fileName, PageMap map, string pagesPath, CancellationToken cancellationToken)
    {
        var runs = new List<PageRun>(map.Runs.Count);
        var page = new byte[PageMap.PageSize];
        using var pages = OwnerOnlyFile.Create(pagesPath, FileMode.CreateNew, PagesBufferSize);
        foreach (var run in map.Runs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!run.HasContent)
            {
                runs.Add(run);
                continue;
            }
            var pending = default(PageRun);
            for (var index = 0UL; index < run.PageCount; index++)
            {
                var address = run.Address + index * PageMap.PageSize;
                if (!chain.ReadPage(fileName, address, page, out var storedAs))
                {
                    throw new CriuImageFormatException(Path.Combine(chain.ImagesDirectory, fileName), $"has no contents for page 0x{address:x}");
                }
                pages.Write(page);
                var flags = (storedAs & ~PageMapFlags.Parent) | PageMapFlags.Present;
                if (pending.PageCount > 0 && pending.Flags == flags)
                {
                    pending = pending with { PageCount = pending.PageCount + 1 };
                }
                else
                {
                    if (pending.PageCount > 0)
                    {
                        runs.Add(pending);
                    }
                    pending = new PageRun(address, 1, flags);
                }
            }
            runs.Add(pending);
        }
        return runs;
    }
}
