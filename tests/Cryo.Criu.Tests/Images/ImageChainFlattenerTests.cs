namespace Cryo.Criu.Tests.Images;

/// <summary>An increment's memory written out whole, on chains laid out as CRIU lays them out (no CRIU run).</summary>
public class ImageChainFlattenerTests
{
    private const ulong Heap = 0x7f0000000000;
    private const ulong Mapped = 0x7f1000000000;
    private const ulong Lazy = 0x7f2000000000;
    private const string PageMap1 = "pagemap-1.img";
    private const PageMapFlags Anonymous = PageMapFlags.Present | PageMapFlags.Lazy;

    [Fact]
    public void Flatten_Should_StoreEveryPageTheChainResolves_And_KeepTheFlagsOfTheLevelThatStoredIt()
    {
        using var dir = new TempDirectory();
        var (grandparent, parent, child, target) = (dir.Combine("1"), dir.Combine("2"), dir.Combine("3"), dir.Combine("flat"));
        var heap = FakeImages.Pages(Heap, 10, seed: 1);
        var mapped = FakeImages.Pages(Mapped, 2, seed: 2);
        FakeImages.WritePageMap(grandparent, PageMap1, 1, [new PageRun(Heap, 10, Anonymous), new PageRun(Mapped, 2, PageMapFlags.Present)],
            heap.Concat(mapped).ToDictionary());
        var parentHeap = FakeImages.Pages(Heap + 4 * 4096, 6, seed: 3);
        FakeImages.WritePageMap(parent, PageMap1, 2, [new PageRun(Heap, 4, PageMapFlags.Parent), new PageRun(Heap + 4 * 4096, 6, Anonymous),
            new PageRun(Mapped, 2, PageMapFlags.Parent)], parentHeap);
        Directory.CreateSymbolicLink(Path.Combine(parent, CriuImageFiles.ParentLink), "../1");
        var childHeap = FakeImages.Pages(Heap, 3, seed: 4);
        FakeImages.WritePageMap(child, PageMap1, 3, [new PageRun(Heap, 3, Anonymous), new PageRun(Heap + 3 * 4096, 7, PageMapFlags.Parent),
            new PageRun(Mapped, 2, PageMapFlags.Parent), new PageRun(Lazy, 5, PageMapFlags.Lazy)], childHeap);
        Directory.CreateSymbolicLink(Path.Combine(child, CriuImageFiles.ParentLink), "../2");
        Directory.CreateDirectory(target);
        var expected = FakeImages.Resolve(child, PageMap1);

        using (var chain = ImageChain.Open(child))
        {
            Assert.Equal(["pagemap-1.img", "pages-3.img"], ImageChainFlattener.Flatten(chain, target, CancellationToken.None));
        }

        var map = PageMap.Read(Path.Combine(target, PageMap1));
        Assert.Equal(
        [
            new PageRun(Heap, 3, Anonymous), new PageRun(Heap + 3 * 4096, 7, Anonymous),
            new PageRun(Mapped, 2, PageMapFlags.Present), new PageRun(Lazy, 5, PageMapFlags.Lazy),
        ], map.Runs);
        Assert.Equal((12L, 0L), (map.PresentPageCount, map.InParentPageCount));
        Assert.Equal(12L * 4096, new FileInfo(Path.Combine(target, map.PagesFileName)).Length);
        var flattened = FakeImages.Resolve(target, PageMap1);
        Assert.Equal(expected.Keys.Order(), flattened.Keys.Order());
        Assert.All(expected, page => Assert.Equal(page.Value, flattened[page.Key]));
        Assert.Equal(childHeap[Heap], flattened[Heap]);
        Assert.Equal(parentHeap[Heap + 5 * 4096], flattened[Heap + 5 * 4096]);
        Assert.Equal(heap[Heap + 3 * 4096], flattened[Heap + 3 * 4096]);
        Assert.Equal(mapped[Mapped + 4096], flattened[Mapped + 4096]);
    }

    [Fact]
    public void Flatten_Should_FailNamingThePage_When_TheParentLacksOneTheIncrementLeavesToIt()
    {
        using var dir = new TempDirectory();
        var (parent, child, target) = (dir.Combine("1"), dir.Combine("2"), dir.Combine("flat"));
        var heap = FakeImages.Pages(Heap, 2, seed: 1);
        FakeImages.WritePageMap(parent, PageMap1, 1, FakeImages.PresentRun(heap), heap);
        FakeImages.WritePageMap(child, PageMap1, 2, [new PageRun(Heap, 3, PageMapFlags.Parent)], new Dictionary<ulong, byte[]>());
        Directory.CreateSymbolicLink(Path.Combine(child, CriuImageFiles.ParentLink), "../1");
        Directory.CreateDirectory(target);
        using var chain = ImageChain.Open(child);

        var error = Assert.Throws<CriuImageFormatException>(() => ImageChainFlattener.Flatten(chain, target, CancellationToken.None));

        Assert.Contains("0x7f0000002000", error.Message, StringComparison.Ordinal);
    }
}
