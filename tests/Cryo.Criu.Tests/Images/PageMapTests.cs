namespace Cryo.Criu.Tests.Images;

public class PageMapTests
{
    private const PageMapFlags PresentLazy = PageMapFlags.Present | PageMapFlags.Lazy;

    [Fact]
    public void WriteThenRead_Should_KeepPagesIdAndRuns()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("pagemap-1.img");
        var map = new PageMap(7,
        [
            new PageRun(0x1000, 2, PageMapFlags.Present),
            new PageRun(0x3000, 3, PageMapFlags.Parent),
            new PageRun(0x10000, 1, PresentLazy),
        ]);
        File.WriteAllBytes(path, map.ToImageBytes());

        var read = PageMap.Read(path);

        Assert.Equal(7u, read.PagesId);
        Assert.Equal("pages-7.img", read.PagesFileName);
        Assert.Equal(map.Runs, read.Runs);
        Assert.Equal(3, read.PresentPageCount);
        Assert.Equal(3, read.InParentPageCount);
        Assert.Equal(3 * PageMap.PageSize, read.PagesImageLength);
    }

    [Fact]
    public void PresentPages_Should_SkipRunsWithoutPagesInThePagesImage()
    {
        var map = new PageMap(1,
        [
            new PageRun(0x1000, 2, PresentLazy),
            new PageRun(0x3000, 2, PageMapFlags.Parent),
            new PageRun(0x5000, 1, PageMapFlags.Lazy), // lazy only: left to a page server, nothing stored
            new PageRun(0x8000, 1, PageMapFlags.Present),
        ]);

        Assert.Equal(
            [new PageLocation(0x1000, 0), new PageLocation(0x2000, 4096), new PageLocation(0x8000, 8192)],
            map.PresentPages().ToList());
        Assert.Equal(8192, map.RunOffset(3));
        Assert.Equal(1, map.FindRun(0x4fff));
        Assert.Equal(-1, map.FindRun(0x6000));
    }

    [Fact]
    public void Read_Should_ApplyCriusCompatibilityRules_When_EntriesComeFromOlderCriu()
    {
        // Before flags existed: in_parent marks parent runs, no flags means present, the count is compat_nr_pages.
        using var buffer = new MemoryStream();
        using (var writer = new CriuImageWriter(buffer, CriuImageKind.PageMap))
        {
            writer.Write(new PagemapHead { PagesId = 1 });
            writer.Write(new PagemapEntry { Vaddr = 0x1000, CompatNrPages = 2 });
            writer.Write(new PagemapEntry { Vaddr = 0x3000, CompatNrPages = 1, InParent = true });
        }
        buffer.Position = 0;

        var map = PageMap.Read(buffer, "old.img");

        Assert.Equal([new PageRun(0x1000, 2, PageMapFlags.Present), new PageRun(0x3000, 1, PageMapFlags.Parent)], map.Runs);
    }

    [Theory]
    [InlineData(0x2000ul, 1ul, 4u)] // overlaps the run before
    [InlineData(0x8800ul, 1ul, 4u)] // not page-aligned
    [InlineData(0x9000ul, 0ul, 4u)] // empty
    [InlineData(0x9000ul, 1ul, 5u)] // present and in parent at once
    [InlineData(0x9000ul, 1ul, 16u)] // a flag this code does not know
    public void Read_Should_Refuse_When_ARunIsMalformed(ulong address, ulong count, uint flags)
    {
        using var buffer = new MemoryStream();
        using (var writer = new CriuImageWriter(buffer, CriuImageKind.PageMap))
        {
            writer.Write(new PagemapHead { PagesId = 1 });
            writer.Write(new PagemapEntry { Vaddr = 0x1000, CompatNrPages = 0, NrPages = 2, Flags = 4 });
            writer.Write(new PagemapEntry { Vaddr = address, CompatNrPages = 0, NrPages = count, Flags = flags });
        }
        buffer.Position = 0;

        Assert.Throws<CriuImageFormatException>(() => PageMap.Read(buffer, "bad.img"));
    }

    [Fact]
    public void Read_Should_Refuse_When_TheHeadIsMissing()
    {
        using var buffer = new MemoryStream();
        using (new CriuImageWriter(buffer, CriuImageKind.PageMap))
        {
        }
        buffer.Position = 0;

        Assert.Throws<CriuImageFormatException>(() => PageMap.Read(buffer, "empty.img"));
    }
}
