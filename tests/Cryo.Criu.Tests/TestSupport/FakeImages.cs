namespace Cryo.Criu.Tests.TestSupport;

/// <summary>Writes pagemap and pages images the way CRIU lays them out, with contents a test chooses.</summary>
internal static class FakeImages
{
    /// <summary>A page of bytes derived from <paramref name="seed"/>.</summary>
    public static byte[] Page(int seed)
    {
        var page = new byte[PageMap.PageSize];
        new Random(seed).NextBytes(page);
        return page;
    }

    /// <summary>
    /// Writes <c>pagemap-NAME</c> and <c>pages-ID.img</c> into <paramref name="directory"/>: each present run's pages
    /// come from <paramref name="contents"/> (address → page), in run order.
    /// </summary>
    public static void WritePageMap(string directory, string name, uint pagesId, IReadOnlyList<PageRun> runs,
        IReadOnlyDictionary<ulong, byte[]> contents)
    {
        Directory.CreateDirectory(directory);
        var map = new PageMap(pagesId, runs);
        File.WriteAllBytes(Path.Combine(directory, name), map.ToImageBytes());
        using var pages = File.Create(Path.Combine(directory, map.PagesFileName));
        foreach (var location in map.PresentPages())
        {
            pages.Write(contents[location.Address]);
        }
    }

    /// <summary>One present (and lazy, as CRIU marks anonymous memory) run over <paramref name="pages"/>, which must be consecutive.</summary>
    public static PageRun[] PresentRun(IReadOnlyDictionary<ulong, byte[]> pages) =>
        [new PageRun(pages.Keys.Min(), (ulong)pages.Count, PageMapFlags.Present | PageMapFlags.Lazy)];

    /// <summary><paramref name="count"/> random pages from <paramref name="start"/>.</summary>
    public static Dictionary<ulong, byte[]> Pages(ulong start, int count, int seed) =>
        Enumerable.Range(0, count).ToDictionary(i => start + (ulong)i * PageMap.PageSize, i => Page(seed * 100_000 + i));

    /// <summary>Every page <paramref name="fileName"/> of the chain at <paramref name="directory"/> resolves, read through the parent links.</summary>
    public static Dictionary<ulong, byte[]> Resolve(string directory, string fileName)
    {
        using var chain = ImageChain.Open(directory);
        var map = chain.PageMap(fileName) ?? throw new InvalidOperationException($"{fileName} is missing");
        var result = new Dictionary<ulong, byte[]>();
        foreach (var run in map.Runs.Where(r => r.HasContent))
        {
            for (var p = 0UL; p < run.PageCount; p++)
            {
                var page = new byte[PageMap.PageSize];
                var address = run.Address + p * PageMap.PageSize;
                Assert.True(chain.ReadPage(fileName, address, page));
                result[address] = page;
            }
        }
        return result;
    }
}
