using Cryo.Criu.Images;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// Which pages of a chain's parents a restore of the chain reads, found as CRIU finds them: a page in a parent run
/// (<c>PE_PARENT</c>) of a pagemap comes from the pagemap of the same name one level up, recursively, so a page a newer
/// level holds is never read from an older one. For each parent's pages image this gives the pages a restore reads and,
/// from the parent's page index, the digest every other page must have: what <see cref="ReadPagesVerifier"/> needs to
/// check a pages image's chunk digests while hashing only the pages that are read. After five increments that each
/// rewrote a tenth of the memory, a restore reads ~60 % of each parent's pages.
/// </summary>
public sealed class ChainPageReads
{
    // By level (index in the chain; the restored checkpoint, 0, reads all its pages and has no entry), by pages image name.
    private readonly Dictionary<string, PagesImageReads>[] levels;

    private ChainPageReads(Dictionary<string, PagesImageReads>[] levels)
    {
        this.levels = levels;
    }

    /// <summary>
    /// Resolves the parent runs of <paramref name="chain"/> (child first) through its levels' pagemaps. Null when they
    /// cannot be followed (a pagemap that does not decode, or no page index): the caller then verifies every page, and
    /// the restore finds out the rest.
    /// </summary>
    /// <param name="chain">The chain, as <see cref="CheckpointChain.Of"/> gives it.</param>
    /// <param name="cancellationToken">Checked between pagemaps.</param>
    public static ChainPageReads? Of(IReadOnlyList<StoredCheckpoint> chain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var levels = new Dictionary<string, PagesImageReads>[chain.Count];
        try
        {
            var maps = new Dictionary<string, PageMap?>[chain.Count];
            var read = new Dictionary<string, bool[]>[chain.Count];
            for (var i = 0; i < chain.Count; i++)
            {
                maps[i] = new Dictionary<string, PageMap?>(StringComparer.Ordinal);
                read[i] = new Dictionary<string, bool[]>(StringComparer.Ordinal);
                levels[i] = new Dictionary<string, PagesImageReads>(StringComparer.Ordinal);
            }

            PageMap? Map(int level, string name)
            {
                if (!maps[level].TryGetValue(name, out var map))
                {
                    var path = Path.Combine(chain[level].ImagesDirectory, name);
                    map = File.Exists(path) ? PageMap.Read(path) : null;
                    maps[level][name] = map;
                }
                return map;
            }

            void Resolve(int level, string name, ulong start, ulong end)
            {
                if (level >= chain.Count || Map(level, name) is not { } map)
                {
                    // CRIU fails on a parent run that leads nowhere; nothing to verify for it.
                    return;
                }
                var runs = map.Runs;
                for (var i = FirstRunEndingAfter(runs, start); i < runs.Count && runs[i].Address < end; i++)
                {
                    var run = runs[i];
                    var from = Math.Max(start, run.Address);
                    var to = Math.Min(end, run.End);
                    if (run.IsPresent)
                    {
                        if (!read[level].TryGetValue(map.PagesFileName, out var pages))
                        {
                            pages = new bool[map.PresentPageCount];
                            read[level][map.PagesFileName] = pages;
                        }
                        var first = (map.RunOffset(i) + (long)(from - run.Address)) / PageMap.PageSize;
                        pages.AsSpan((int)first, (int)((to - from) / PageMap.PageSize)).Fill(true);
                    }
                    else if (run.IsInParent)
                    {
                        Resolve(level + 1, name, from, to);
                    }
                }
            }

            foreach (var name in PageHashIndex.PageMapFileNames(chain[0].ImagesDirectory))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var map = Map(0, name)!;
                foreach (var run in map.Runs.Where(r => r.IsInParent))
                {
                    Resolve(1, name, run.Address, run.End);
                }
            }

            for (var level = 1; level < chain.Count; level++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!File.Exists(chain[level].PageIndexPath))
                {
                    return null;
                }
                var index = PageHashIndex.Load(chain[level].PageIndexPath);
                foreach (var (name, map) in maps[level])
                {
                    if (map is null || index.Find(name) is not { } hashes || hashes.DigestSize != PageDigests.DigestSize)
                    {
                        return null;
                    }
                    var pages = read[level].GetValueOrDefault(map.PagesFileName) ?? new bool[map.PresentPageCount];
                    if (!levels[level].TryAdd(map.PagesFileName, PagesImageReads.Of(map, pages, hashes)))
                    {
                        // Two pagemaps of one pages image: not what CRIU writes, so nothing to be clever about.
                        return null;
                    }
                }
            }
        }
        catch (Exception e) when (e is CriuImageFormatException or FormatException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return new ChainPageReads(levels);
    }

    /// <summary>
    /// What a restore reads of pages image <paramref name="pagesFileName"/> (CRIU's name, <c>pages-K.img</c>) of level
    /// <paramref name="level"/>; null when all of it is to be verified (the restored checkpoint's own images, a file no
    /// parent run reaches through a pagemap this knows).
    /// </summary>
    public PagesImageReads? For(int level, string pagesFileName) =>
        level > 0 && level < levels.Length ? levels[level].GetValueOrDefault(pagesFileName) : null;

    // The index of the first run whose end lies after address (runs ascend and do not overlap).
    private static int FirstRunEndingAfter(IReadOnlyList<PageRun> runs, ulong address)
    {
        int low = 0, high = runs.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (runs[middle].End <= address)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }
}
