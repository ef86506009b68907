namespace Cryo.Criu.Tests.TestSupport;

/// <summary>Feeds an <see cref="EarlyPageCopy"/> as the agent's hasher does while CRIU writes: each pages image's digests, chunk by chunk.</summary>
internal static class EarlyCopyFeed
{
    /// <summary>
    /// Hashes every pages image of <paramref name="images"/> and hands the digests to a new early copy in chunks of
    /// <paramref name="chunkPages"/>, the last chunk first when <paramref name="lastFirst"/> (hashing threads finish out of order);
    /// returns what it prepared in <paramref name="directory"/> and the digests, for the rewrite.
    /// </summary>
    public static (IReadOnlyList<PreparedPagesImage> Prepared, List<PagesImageDigests> Digests) Copy(string images, PageHashIndex parentIndex, string directory,
        int chunkPages, bool lastFirst = false)
    {
        Directory.CreateDirectory(directory);
        var digests = Directory.GetFiles(images, "pages-*.img").Select(f => PagesImageDigests.Compute(f, null, default)).ToList();
        using var early = new EarlyPageCopy(directory, Task.FromResult<PageHashIndex?>(parentIndex));
        foreach (var image in digests)
        {
            var chunks = Enumerable.Range(0, (int)((image.PageCount + chunkPages - 1) / chunkPages)).ToList();
            if (lastFirst && chunks.Count > 1)
            {
                chunks = [chunks[^1], .. chunks[..^1]];
            }
            foreach (var chunk in chunks)
            {
                var first = (long)chunk * chunkPages;
                early.PagesHashed(Path.Combine(images, image.FileName), first, image.DigestsOf(first, Math.Min(chunkPages, image.PageCount - first)));
            }
        }
        return (early.Finish(), digests);
    }
}
