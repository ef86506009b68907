namespace Cryo.Criu.Tests.Images;

/// <summary>The rewrite on images laid out as CRIU lays them out, with contents the tests choose (no CRIU run).</summary>
public class IncrementalRewriterTests
{
    private const ulong Base = 0x7f0000000000;
    private const string PageMap1 = "pagemap-1.img";

    [Fact]
    public void Rewrite_Should_LeaveUnchangedPagesToTheParent_And_StoreOnlyTheOthers()
    {
        using var dir = new TempDirectory();
        var (parent, child) = (dir.Combine("1/images"), dir.Combine("2/images"));
        var before = FakeImages.Pages(Base, 10, seed: 1);
        FakeImages.WritePageMap(parent, PageMap1, 1, FakeImages.PresentRun(before), before);
        var after = new Dictionary<ulong, byte[]>(before)
        {
            [Base + 3 * 4096] = FakeImages.Page(33),
            [Base + 7 * 4096] = FakeImages.Page(77),
            [Base + 10 * 4096] = FakeImages.Page(1010), // a page the parent never had
        };
        FakeImages.WritePageMap(child, PageMap1, 1, FakeImages.PresentRun(after), after);
        var fullChildIndex = PageHashIndex.Build(child, null, CancellationToken.None);

        var result = new IncrementalRewriter().Rewrite(child, parent, PageHashIndex.Build(parent, null, CancellationToken.None),
            CancellationToken.None);

        const PageMapFlags Stored = PageMapFlags.Present | PageMapFlags.Lazy;
        var map = PageMap.Read(Path.Combine(child, PageMap1));
        Assert.Equal(
        [
            new PageRun(Base, 3, PageMapFlags.Parent), new PageRun(Base + 3 * 4096, 1, Stored),
            new PageRun(Base + 4 * 4096, 3, PageMapFlags.Parent), new PageRun(Base + 7 * 4096, 1, Stored),
            new PageRun(Base + 8 * 4096, 2, PageMapFlags.Parent), new PageRun(Base + 10 * 4096, 1, Stored),
        ], map.Runs);
        Assert.Equal([.. after[Base + 3 * 4096], .. after[Base + 7 * 4096], .. after[Base + 10 * 4096]],
            File.ReadAllBytes(Path.Combine(child, map.PagesFileName)));
        Assert.Equal("../../1/images", new FileInfo(Path.Combine(child, CriuImageFiles.ParentLink)).LinkTarget);
        Assert.Equal("../../1/images", result.ParentLink);
        Assert.Equal(["pagemap-1.img", "pages-2.img", "parent"], Directory.EnumerateFileSystemEntries(child).Select(Path.GetFileName).Order());
        Assert.Equal((11L, 8L, 3L), (result.Pages, result.PagesInParent, result.PagesStored));
        Assert.Equal(11 * 4096 + new FileInfo(Path.Combine(parent, PageMap1)).Length, result.BytesBefore);
        Assert.Equal(3 * 4096 + new FileInfo(Path.Combine(child, PageMap1)).Length, result.BytesAfter);
        AssertResolves(after, child);
        AssertSameHashes(fullChildIndex, result.Index);
        AssertSameHashes(result.Index, PageHashIndex.Build(child, null, CancellationToken.None));
    }

    [Fact]
    public void Rewrite_Should_MoveCriusReplacedPagesImageIntoTheDiscardDirectory_When_OneIsGiven()
    {
        using var dir = new TempDirectory();
        var (parent, child, discard) = (dir.Combine("1/images"), dir.Combine("2/images"), dir.Combine("discard"));
        var before = FakeImages.Pages(Base, 8, seed: 1);
        FakeImages.WritePageMap(parent, PageMap1, 1, FakeImages.PresentRun(before), before);
        var after = new Dictionary<ulong, byte[]>(before) { [Base + 2 * 4096] = FakeImages.Page(22) };
        FakeImages.WritePageMap(child, PageMap1, 1, FakeImages.PresentRun(after), after);
        var criusPages = File.ReadAllBytes(Path.Combine(child, "pages-1.img"));
        Directory.CreateDirectory(discard);

        var result = new IncrementalRewriter { DiscardDirectory = discard }.Rewrite(child, parent,
            PageHashIndex.Build(parent, null, CancellationToken.None), CancellationToken.None);

        Assert.Equal(7, result.PagesInParent);
        Assert.False(File.Exists(Path.Combine(child, "pages-1.img")));
        Assert.Equal(criusPages, File.ReadAllBytes(Path.Combine(discard, "pages-1.img")));
        AssertResolves(after, child);
    }

    [Fact]
    public void Rewrite_Should_KeepCriusPagemapAndPagesImageAsTheyWereWritten_When_AnOriginalsDirectoryIsGiven()
    {
        using var dir = new TempDirectory();
        var (parent, child, originals) = (dir.Combine("1/images"), dir.Combine("2/images"), dir.Combine("2/flat"));
        var before = FakeImages.Pages(Base, 8, seed: 1);
        FakeImages.WritePageMap(parent, PageMap1, 1, FakeImages.PresentRun(before), before);
        var after = new Dictionary<ulong, byte[]>(before) { [Base + 2 * 4096] = FakeImages.Page(22) };
        FakeImages.WritePageMap(child, PageMap1, 1, FakeImages.PresentRun(after), after);
        var (criusPageMap, criusPages) = (File.ReadAllBytes(Path.Combine(child, PageMap1)), File.ReadAllBytes(Path.Combine(child, "pages-1.img")));

        var result = new IncrementalRewriter { OriginalsDirectory = originals }.Rewrite(child, parent,
            PageHashIndex.Build(parent, null, CancellationToken.None), CancellationToken.None);

        // The increment as always, and CRIU's full dump beside it: the same pagemap name, which names CRIU's pages image.
        Assert.Equal(7, result.PagesInParent);
        AssertResolves(after, child);
        Assert.Equal([PageMap1, "pages-1.img"], result.Originals);
        Assert.Equal(["pages-2.img"], result.WrittenPagesFiles);
        Assert.Equal(criusPageMap, File.ReadAllBytes(Path.Combine(originals, PageMap1)));
        Assert.Equal(criusPages, File.ReadAllBytes(Path.Combine(originals, "pages-1.img")));
        Assert.Equal(["pagemap-1.img", "pages-2.img", "parent"], Directory.EnumerateFileSystemEntries(child).Select(Path.GetFileName).Order());
        var kept = PageMap.Read(Path.Combine(originals, PageMap1));
        Assert.Equal(0L, kept.InParentPageCount);
        Assert.Equal(8L, kept.PresentPageCount);
    }

    [Fact]
    public void Rewrite_Should_ResolveThroughTheWholeChain_When_TheParentIsAnIncrementItself()
    {
        using var dir = new TempDirectory();
        var generations = new List<Dictionary<ulong, byte[]>> { FakeImages.Pages(Base, 40, seed: 1) };
        for (var g = 1; g <= 3; g++)
        {
            var next = new Dictionary<ulong, byte[]>(generations[^1]);
            for (var i = g; i < 40; i += 4)
            {
                next[Base + (ulong)i * 4096] = FakeImages.Page(g * 1000 + i);
            }
            generations.Add(next);
        }
        var images = Enumerable.Range(0, 4).Select(g => dir.Combine($"{g}/images")).ToList();
        for (var g = 0; g < 4; g++)
        {
            FakeImages.WritePageMap(images[g], PageMap1, 1, FakeImages.PresentRun(generations[g]), generations[g]);
        }

        var index = PageHashIndex.Build(images[0], null, CancellationToken.None);
        var results = new List<IncrementalRewriteResult>();
        for (var g = 1; g < 4; g++)
        {
            results.Add(new IncrementalRewriter().Rewrite(images[g], images[g - 1], index, CancellationToken.None));
            index = results[^1].Index;
        }

        Assert.All(results, r => Assert.Equal((40L, 10L), (r.Pages, r.PagesStored)));
        for (var g = 1; g < 4; g++)
        {
            AssertResolves(generations[g], images[g]);
        }
        using var chain = ImageChain.Open(images[3]);
        Assert.Equal(4, chain.Length);
    }

    [Fact]
    public void Rewrite_Should_StoreAPage_When_ItEqualsAnOlderGenerationButNotTheParent()
    {
        using var dir = new TempDirectory();
        var (g0, g1, g2) = (FakeImages.Pages(Base, 4, seed: 1), FakeImages.Pages(Base, 4, seed: 1), FakeImages.Pages(Base, 4, seed: 1));
        g1[Base] = FakeImages.Page(5);
        g2[Base] = g0[Base]; // back to the grandparent's contents: the parent resolves g1's, so it differs
        var images = new[] { dir.Combine("0"), dir.Combine("1"), dir.Combine("2") };
        FakeImages.WritePageMap(images[0], PageMap1, 1, FakeImages.PresentRun(g0), g0);
        FakeImages.WritePageMap(images[1], PageMap1, 1, FakeImages.PresentRun(g1), g1);
        FakeImages.WritePageMap(images[2], PageMap1, 1, FakeImages.PresentRun(g2), g2);

        var first = new IncrementalRewriter().Rewrite(images[1], images[0], PageHashIndex.Build(images[0], null, default), default);
        var second = new IncrementalRewriter().Rewrite(images[2], images[1], first.Index, default);

        Assert.Equal(1, second.PagesStored);
        AssertResolves(g2, images[2]);
    }

    [Fact]
    public void Rewrite_Should_WriteTheSameIncrement_When_ThePagesWereHashedBeforehand()
    {
        using var dir = new TempDirectory();
        var (parent, child) = WriteParentAndChild(dir);
        var second = FakeImages.Pages(Base, 4, seed: 9);
        FakeImages.WritePageMap(child, "pagemap-2.img", 2, FakeImages.PresentRun(second), second); // the parent lacks it
        var copy = dir.Combine("copy");
        CopyDirectory(child, copy);
        var index = PageHashIndex.Build(parent, null, default);
        var digests = new[] { "pages-1.img", "pages-2.img" }
            .Select(name => PagesImageDigests.Compute(Path.Combine(child, name), null, default)).ToList();

        var hashedHere = new IncrementalRewriter().Rewrite(copy, parent, index, default);
        var hashedBefore = new IncrementalRewriter().Rewrite(child, parent, index, digests, default);

        var expected = DirectorySnapshot.Take(copy);
        var actual = DirectorySnapshot.Take(child);
        Assert.Equal(expected.Where(e => e.Key != "parent"), actual.Where(e => e.Key != "parent"));
        Assert.Equal((hashedHere.PagesInParent, hashedHere.BytesAfter), (hashedBefore.PagesInParent, hashedBefore.BytesAfter));
        AssertSameHashes(hashedHere.Index, hashedBefore.Index);
    }

    [Fact]
    public void Rewrite_Should_StoreEveryChangedPage_When_ThePagesWereHashedBeforehand_And_AChangedRunOutgrowsTheCopyBuffer()
    {
        using var dir = new TempDirectory();
        var (parent, child) = (dir.Combine("1"), dir.Combine("2"));
        var bufferPages = PageCopier.DefaultBufferBytes / 4096;
        var count = bufferPages + 40;
        var before = FakeImages.Pages(Base, count, seed: 1);
        var after = new Dictionary<ulong, byte[]>(before);
        // The first page, a run longer than the copy's buffer that starts off its edge, scattered single pages, the file's last page.
        foreach (var page in new[] { 0 }.Concat(Enumerable.Range(3, bufferPages + 5)).Concat([bufferPages + 12, bufferPages + 20, count - 1]))
        {
            after[Base + (ulong)page * 4096] = FakeImages.Page(1_000_000 + page);
        }
        FakeImages.WritePageMap(parent, PageMap1, 1, FakeImages.PresentRun(before), before);
        FakeImages.WritePageMap(child, PageMap1, 1, FakeImages.PresentRun(after), after);
        var copy = dir.Combine("copy");
        CopyDirectory(child, copy);
        var index = PageHashIndex.Build(parent, null, default);
        var digests = PagesImageDigests.Compute(Path.Combine(child, "pages-1.img"), null, default);

        var hashedHere = new IncrementalRewriter().Rewrite(copy, parent, index, default);
        var hashedBefore = new IncrementalRewriter().Rewrite(child, parent, index, [digests], default);

        Assert.Equal(bufferPages + 9L, hashedBefore.PagesStored);
        Assert.Equal(DirectorySnapshot.Take(copy).Where(e => e.Key != "parent"), DirectorySnapshot.Take(child).Where(e => e.Key != "parent"));
        AssertResolves(after, child);
        AssertSameHashes(hashedHere.Index, hashedBefore.Index);
        AssertSameHashes(hashedBefore.Index, PageHashIndex.Build(child, null, default));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // hashing threads hand chunks over out of order
    public void Rewrite_Should_TakeThePagesCopiedBesideTheDump_And_WriteTheSameIncrement_When_TheDumpIsLaidOutAsTheParent(bool lastChunkFirst)
    {
        using var dir = new TempDirectory();
        var (parent, child) = (dir.Combine("1"), dir.Combine("2"));
        var before = FakeImages.Pages(Base, 300, seed: 1);
        var after = new Dictionary<ulong, byte[]>(before);
        foreach (var page in new[] { 0, 1, 2, 63, 64, 65, 150, 299 }.Concat(Enumerable.Range(200, 70)))
        {
            after[Base + (ulong)page * 4096] = FakeImages.Page(1_000_000 + page);
        }
        FakeImages.WritePageMap(parent, PageMap1, 1, FakeImages.PresentRun(before), before);
        FakeImages.WritePageMap(child, PageMap1, 1, FakeImages.PresentRun(after), after);

        var (prepared, today, early) = RewriteWithAndWithoutEarlyCopy(dir, parent, child, chunkPages: 64, lastChunkFirst);

        var taken = Assert.Single(prepared);
        Assert.Equal(("pages-1.img", 300L, 78), (taken.PagesFileName, taken.PagesSeen, taken.Pages.Length));
        Assert.False(File.Exists(taken.Path));
        Assert.Equal((1, 0), (early.Steps.EarlyCopiesTaken, early.Steps.EarlyCopiesRefused));
        Assert.Equal((0, 0), (today.Steps.EarlyCopiesTaken, today.Steps.EarlyCopiesRefused));
        Assert.Equal(PageMap.Read(Path.Combine(dir.Combine("copy"), PageMap1)).Runs, PageMap.Read(Path.Combine(child, PageMap1)).Runs);
        AssertResolves(after, child);
        var written = Assert.Single(early.WrittenPagesDigests);
        var read = PagesImageDigests.Compute(Path.Combine(child, written.FileName), null, default);
        Assert.Equal(read.DigestsOf(0, read.PageCount).ToArray(), written.DigestsOf(0, written.PageCount).ToArray());
    }

    [Fact]
    public void Rewrite_Should_TakeThePagesCopiedBesideTheDump_When_PagesWereAddedAndRemovedBeforeOthers()
    {
        using var dir = new TempDirectory();
        var (parent, child) = (dir.Combine("1"), dir.Combine("2"));
        const ulong Region = Base + 0x100000;
        var heap = FakeImages.Pages(Base, 2, seed: 1);
        var region = FakeImages.Pages(Region, 300, seed: 2);
        var before = heap.Concat(region).ToDictionary();
        const PageMapFlags Anonymous = PageMapFlags.Present | PageMapFlags.Lazy;
        FakeImages.WritePageMap(parent, PageMap1, 1, [new PageRun(Base, 2, Anonymous), new PageRun(Region, 300, Anonymous)], before);
        // The heap grew by 26 pages (every later page of the pages image moves by as many), a page went from the region
        // (every later one moves back by one), and four pages changed.
        var after = heap.Concat(FakeImages.Pages(Base + 2 * 4096, 26, seed: 3)).Concat(region).ToDictionary();
        after.Remove(Region + 50 * 4096);
        foreach (var page in new[] { 10, 11, 120, 299 })
        {
            after[Region + (ulong)page * 4096] = FakeImages.Page(1_000_000 + page);
        }
        FakeImages.WritePageMap(child, PageMap1, 1,
            [new PageRun(Base, 28, Anonymous), new PageRun(Region, 50, Anonymous), new PageRun(Region + 51 * 4096, 249, Anonymous)], after);

        var (prepared, _, early) = RewriteWithAndWithoutEarlyCopy(dir, parent, child, chunkPages: 64);

        Assert.Equal(30, Assert.Single(prepared).Pages.Length);
        Assert.Equal((30L, 1, 0), (early.PagesStored, early.Steps.EarlyCopiesTaken, early.Steps.EarlyCopiesRefused));
        AssertResolves(after, child);
    }

    [Fact]
    public void Rewrite_Should_CopyThePagesItself_And_WriteTheSameIncrement_When_TheEarlyCopyFollowedTheLayoutWrongly()
    {
        using var dir = new TempDirectory();
        var (parent, child) = (dir.Combine("1"), dir.Combine("2"));
        var before = FakeImages.Pages(Base, 200, seed: 1);
        before[Base + 150 * 4096] = new byte[4096];
        before[Base + 151 * 4096] = new byte[4096];
        FakeImages.WritePageMap(parent, PageMap1, 1, FakeImages.PresentRun(before), before);
        // Two new zero pages before the others: the copy takes them for the parent's two zero pages and follows them there.
        var after = new Dictionary<ulong, byte[]>(before) { [Base - 2 * 4096] = new byte[4096], [Base - 4096] = new byte[4096], [Base + 5 * 4096] = FakeImages.Page(55) };
        FakeImages.WritePageMap(child, PageMap1, 1, FakeImages.PresentRun(after), after);

        var (prepared, _, early) = RewriteWithAndWithoutEarlyCopy(dir, parent, child, chunkPages: 64);

        Assert.True(Assert.Single(prepared).Pages.Length > 3);
        Assert.Equal((3L, 0, 1), (early.PagesStored, early.Steps.EarlyCopiesTaken, early.Steps.EarlyCopiesRefused));
        AssertResolves(after, child);
    }

    [Fact]
    public void Rewrite_Should_CopyThePagesItself_When_TheEarlyCopyDidNotSeeEveryPage()
    {
        using var dir = new TempDirectory();
        var (parent, child) = WriteParentAndChild(dir);
        var copy = dir.Combine("copy");
        CopyDirectory(child, copy);
        var index = PageHashIndex.Build(parent, null, default);
        var digests = PagesImageDigests.Compute(Path.Combine(child, "pages-1.img"), null, default);
        var directory = Directory.CreateDirectory(dir.Combine("early")).FullName;
        IReadOnlyList<PreparedPagesImage> prepared;
        using (var early = new EarlyPageCopy(directory, Task.FromResult<PageHashIndex?>(index)))
        {
            // As when the dump failed or was cut short before the hasher saw the last pages.
            early.PagesHashed(Path.Combine(child, "pages-1.img"), 0, digests.DigestsOf(0, 4));
            prepared = early.Finish();
        }

        var today = new IncrementalRewriter().Rewrite(copy, parent, "../1", index, [digests], default);
        var result = new IncrementalRewriter { PreparedPages = prepared }.Rewrite(child, parent, "../1", index, [digests], default);

        Assert.Equal(4L, Assert.Single(prepared).PagesSeen);
        Assert.Equal((0, 1), (result.Steps.EarlyCopiesTaken, result.Steps.EarlyCopiesRefused));
        Assert.Equal(DirectorySnapshot.Take(copy), DirectorySnapshot.Take(child));
        Assert.Equal(today.PagesStored, result.PagesStored);
    }

    [Fact]
    public void EarlyCopy_Should_PrepareNothing_When_APagesImagesChunkIsHandedOverTwice()
    {
        using var dir = new TempDirectory();
        var (parent, child) = WriteParentAndChild(dir);
        var index = PageHashIndex.Build(parent, null, default);
        var digests = PagesImageDigests.Compute(Path.Combine(child, "pages-1.img"), null, default);
        var pages = Path.Combine(child, "pages-1.img");
        using var early = new EarlyPageCopy(Directory.CreateDirectory(dir.Combine("early")).FullName, Task.FromResult<PageHashIndex?>(index));

        // As when the hasher starts a file over (it shrank, or a read failed): what was copied may be of other bytes.
        early.PagesHashed(pages, 0, digests.DigestsOf(0, 4));
        early.PagesHashed(pages, 0, digests.DigestsOf(0, digests.PageCount));

        Assert.Empty(early.Finish());
    }

    [Fact]
    public void EarlyCopy_Should_PrepareNothing_When_TheParentHasNoPageLikeTheDumpsFirst()
    {
        using var dir = new TempDirectory();
        var (parent, child) = (dir.Combine("1"), dir.Combine("2"));
        FakeImages.WritePageMap(parent, PageMap1, 1, FakeImages.PresentRun(FakeImages.Pages(Base, 8, seed: 1)), FakeImages.Pages(Base, 8, seed: 1));
        var other = FakeImages.Pages(Base, 8, seed: 2);
        FakeImages.WritePageMap(child, PageMap1, 1, FakeImages.PresentRun(other), other);

        var (prepared, _) = EarlyCopyFeed.Copy(child, PageHashIndex.Build(parent, null, default), dir.Combine("early"), chunkPages: 4);

        Assert.Empty(prepared);
    }

    [Fact]
    public void Rewrite_Should_GiveTheDigestsOfThePagesItWrote_When_ThePagesWereHashedBeforehand()
    {
        using var dir = new TempDirectory();
        var (parent, child) = WriteParentAndChild(dir);
        var digests = PagesImageDigests.Compute(Path.Combine(child, "pages-1.img"), null, default);

        var result = new IncrementalRewriter().Rewrite(child, parent, PageHashIndex.Build(parent, null, default), [digests], default);

        var written = Assert.Single(result.WrittenPagesDigests);
        Assert.Equal(Assert.Single(result.WrittenPagesFiles), written.FileName);
        var read = PagesImageDigests.Compute(Path.Combine(child, written.FileName), null, default);
        Assert.Equal(result.PagesStored, written.PageCount);
        Assert.Equal(read.DigestsOf(0, read.PageCount).ToArray(), written.DigestsOf(0, written.PageCount).ToArray());
    }

    [Fact]
    public void Rewrite_Should_GiveNoDigestsOfThePagesItWrote_When_ItHashedThemItself()
    {
        using var dir = new TempDirectory();
        var (parent, child) = WriteParentAndChild(dir);

        var result = new IncrementalRewriter().Rewrite(child, parent, PageHashIndex.Build(parent, null, default), default);

        Assert.Single(result.WrittenPagesFiles);
        Assert.Empty(result.WrittenPagesDigests);
    }

    [Fact]
    public void Rewrite_Should_HashAgain_When_TheDigestsDoNotCoverThePagesImage()
    {
        using var dir = new TempDirectory();
        var (parent, child) = WriteParentAndChild(dir);
        var expected = FakeImages.Resolve(child, PageMap1);
        // Digests of one page only, all zero: taken at face value they would leave every page to the parent.
        var partial = new PagesImageDigests("pages-1.img", Sha256PageHasher.AlgorithmName, 32, new byte[32]);

        var result = new IncrementalRewriter().Rewrite(child, parent, PageHashIndex.Build(parent, null, default), [partial], default);

        Assert.Equal(2, result.PagesStored);
        AssertResolves(expected, child);
    }

    [Fact]
    public void Rewrite_Should_KeepTheDumpWhole_When_NoPageIsUnchanged()
    {
        using var dir = new TempDirectory();
        var (parent, child) = (dir.Combine("1"), dir.Combine("2"));
        var before = FakeImages.Pages(Base, 3, seed: 1);
        var after = FakeImages.Pages(Base, 3, seed: 2);
        FakeImages.WritePageMap(parent, PageMap1, 1, FakeImages.PresentRun(before), before);
        FakeImages.WritePageMap(child, PageMap1, 1, FakeImages.PresentRun(after), after);
        var snapshot = DirectorySnapshot.Take(child);

        var result = new IncrementalRewriter().Rewrite(child, parent, PageHashIndex.Build(parent, null, default), default);

        Assert.Null(result.ParentLink);
        Assert.Equal(0, result.PagesInParent);
        Assert.Equal(result.BytesBefore, result.BytesAfter);
        Assert.Equal(snapshot, DirectorySnapshot.Take(child));
        AssertSameHashes(PageHashIndex.Build(child, null, default), result.Index);
    }

    [Fact]
    public void Rewrite_Should_StoreEveryPageOfAProcessTheParentLacks()
    {
        using var dir = new TempDirectory();
        var (parent, child) = (dir.Combine("1"), dir.Combine("2"));
        var shared = FakeImages.Pages(Base, 4, seed: 1);
        var newcomer = FakeImages.Pages(Base, 2, seed: 2);
        FakeImages.WritePageMap(parent, PageMap1, 1, FakeImages.PresentRun(shared), shared);
        FakeImages.WritePageMap(child, PageMap1, 1, FakeImages.PresentRun(shared), shared);
        FakeImages.WritePageMap(child, "pagemap-9.img", 2, FakeImages.PresentRun(newcomer), newcomer);

        var result = new IncrementalRewriter().Rewrite(child, parent, PageHashIndex.Build(parent, null, default), default);

        Assert.Equal((6L, 4L, 1), (result.Pages, result.PagesInParent, result.PageMapsRewritten));
        Assert.Equal(2u, PageMap.Read(Path.Combine(child, "pagemap-9.img")).PagesId);
        Assert.Equal(3u, PageMap.Read(Path.Combine(child, PageMap1)).PagesId); // above every id in use
        Assert.False(File.Exists(Path.Combine(child, "pages-1.img")));
        AssertResolves(newcomer, child, "pagemap-9.img");
        AssertResolves(shared, child);
    }

    [Fact]
    public void Rewrite_Should_LeaveTheDumpAsCriuWroteIt_When_TheParentsPagemapIsNotTheIndexedOne()
    {
        using var dir = new TempDirectory();
        var (parent, child) = WriteParentAndChild(dir);
        var index = PageHashIndex.Build(parent, null, default);
        // The parent loses a run after it was indexed: the child must not leave pages to it.
        var map = PageMap.Read(Path.Combine(parent, PageMap1));
        File.WriteAllBytes(Path.Combine(parent, PageMap1), new PageMap(map.PagesId, [map.Runs[0] with { PageCount = 2 }]).ToImageBytes());
        var snapshot = DirectorySnapshot.Take(child);

        var error = Assert.Throws<IncrementalRewriteException>(() => new IncrementalRewriter().Rewrite(child, parent, index, default));

        Assert.Contains("is not the pagemap the parent's page index was made for", error.Message);
        Assert.Equal(child, error.ImagesDirectory);
        Assert.Equal(snapshot, DirectorySnapshot.Take(child));
    }

    [Fact]
    public void Rewrite_Should_LeaveTheDumpAsCriuWroteIt_When_TheParentLacksAPageItsIndexLists()
    {
        using var dir = new TempDirectory();
        var (parent, child) = WriteParentAndChild(dir);
        var index = PageHashIndex.Build(parent, null, default);
        var listed = index.Find(PageMap1)!;
        // An index that claims one more page than the parent's pagemap holds (with the child's contents for it).
        var extra = Base + 8 * 4096;
        var forged = new PageMapHashes(PageMap1, listed.PageMapDigest.ToArray(), 32, [.. listed.Addresses, extra],
            [.. Enumerable.Range(0, listed.Count).SelectMany(i => listed.HashAt(i).ToArray()),
             .. System.Security.Cryptography.SHA256.HashData(FakeImages.Resolve(child, PageMap1)[extra])]);
        var snapshot = DirectorySnapshot.Take(child);

        var error = Assert.Throws<IncrementalRewriteException>(() =>
            new IncrementalRewriter().Rewrite(child, parent, new PageHashIndex("sha256", 32, [forged]), default));

        Assert.Contains("holds no contents for page", error.Message);
        Assert.Equal(snapshot, DirectorySnapshot.Take(child));
    }

    [Fact]
    public void Rewrite_Should_LeaveTheDumpAsCriuWroteIt_When_TheParentsPagemapIsMissing()
    {
        using var dir = new TempDirectory();
        var (parent, child) = WriteParentAndChild(dir);
        var index = PageHashIndex.Build(parent, null, default);
        File.Delete(Path.Combine(parent, PageMap1));
        var snapshot = DirectorySnapshot.Take(child);

        Assert.Throws<IncrementalRewriteException>(() => new IncrementalRewriter().Rewrite(child, parent, index, default));

        Assert.Equal(snapshot, DirectorySnapshot.Take(child));
    }

    [Theory]
    [InlineData("link")]
    [InlineData("switch pagemap-1.img")]
    [InlineData("switch pagemap-2.img")]
    public void Rewrite_Should_PutCriusFilesBack_When_ACommitStepFails(string failingStep)
    {
        using var dir = new TempDirectory();
        var (parent, child) = WriteParentAndChild(dir);
        var second = FakeImages.Pages(Base, 4, seed: 9);
        FakeImages.WritePageMap(parent, "pagemap-2.img", 2, FakeImages.PresentRun(second), second);
        FakeImages.WritePageMap(child, "pagemap-2.img", 2, FakeImages.PresentRun(second), second);
        var index = PageHashIndex.Build(parent, null, default);
        var snapshot = DirectorySnapshot.Take(child);
        var rewriter = new IncrementalRewriter
        {
            BeforeCommitStep = step =>
            {
                if (step == failingStep)
                {
                    throw new IOException($"injected failure before {step}");
                }
            },
        };

        var error = Assert.Throws<IncrementalRewriteException>(() => rewriter.Rewrite(child, parent, index, default));

        Assert.IsType<IOException>(error.InnerException);
        Assert.Equal(snapshot, DirectorySnapshot.Take(child));
    }

    [Fact]
    public void Rewrite_Should_LeaveTheDumpAsCriuWroteIt_When_Cancelled()
    {
        using var dir = new TempDirectory();
        var (parent, child) = WriteParentAndChild(dir);
        var index = PageHashIndex.Build(parent, null, default);
        var snapshot = DirectorySnapshot.Take(child);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => new IncrementalRewriter().Rewrite(child, parent, index, cancelled.Token));

        Assert.Equal(snapshot, DirectorySnapshot.Take(child));
    }

    [Fact]
    public void Rewrite_Should_Refuse_When_TheDumpIsAnIncrementAlready()
    {
        using var dir = new TempDirectory();
        var (parent, child) = WriteParentAndChild(dir);
        var index = PageHashIndex.Build(parent, null, default);
        new IncrementalRewriter().Rewrite(child, parent, index, default);
        var snapshot = DirectorySnapshot.Take(child);

        var error = Assert.Throws<IncrementalRewriteException>(() => new IncrementalRewriter().Rewrite(child, parent, index, default));

        Assert.Contains("already has a parent link", error.Message);
        Assert.Equal(snapshot, DirectorySnapshot.Take(child));
    }

    private static (string Parent, string Child) WriteParentAndChild(TempDirectory dir)
    {
        var (parent, child) = (dir.Combine("1"), dir.Combine("2"));
        var before = FakeImages.Pages(Base, 8, seed: 1);
        var after = new Dictionary<ulong, byte[]>(before) { [Base + 2 * 4096] = FakeImages.Page(22), [Base + 8 * 4096] = FakeImages.Page(88) };
        FakeImages.WritePageMap(parent, PageMap1, 1, FakeImages.PresentRun(before), before);
        FakeImages.WritePageMap(child, PageMap1, 1, FakeImages.PresentRun(after), after);
        return (parent, child);
    }

    /// <summary>
    /// Rewrites <paramref name="child"/> with the pages an early copy fed chunk by chunk prepared, and a copy of it without
    /// them, as before the early copy existed: the two must be the same increment, byte for byte.
    /// </summary>
    private static (IReadOnlyList<PreparedPagesImage> Prepared, IncrementalRewriteResult Today, IncrementalRewriteResult Early) RewriteWithAndWithoutEarlyCopy(
        TempDirectory dir, string parent, string child, int chunkPages, bool lastChunkFirst = false)
    {
        var copy = dir.Combine("copy");
        CopyDirectory(child, copy);
        var index = PageHashIndex.Build(parent, null, default);
        var (prepared, digests) = EarlyCopyFeed.Copy(child, index, dir.Combine("early"), chunkPages, lastChunkFirst);

        var today = new IncrementalRewriter().Rewrite(copy, parent, "../1", index, [.. digests], default);
        var early = new IncrementalRewriter { PreparedPages = prepared }.Rewrite(child, parent, "../1", index, [.. digests], default);

        Assert.Equal(DirectorySnapshot.Take(copy), DirectorySnapshot.Take(child));
        Assert.Equal((today.PagesStored, today.BytesAfter), (early.PagesStored, early.BytesAfter));
        AssertSameHashes(today.Index, early.Index);
        return (prepared, today, early);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    private static void AssertResolves(Dictionary<ulong, byte[]> expected, string images, string pageMap = PageMap1)
    {
        var resolved = FakeImages.Resolve(images, pageMap);
        Assert.Equal(expected.Keys.Order(), resolved.Keys.Order());
        Assert.All(expected, page => Assert.Equal(page.Value, resolved[page.Key]));
    }

    private static void AssertSameHashes(PageHashIndex expected, PageHashIndex actual)
    {
        Assert.Equal(expected.PageMaps.Keys.Order(), actual.PageMaps.Keys.Order());
        foreach (var (name, list) in expected.PageMaps)
        {
            var other = actual.PageMaps[name];
            Assert.Equal(list.Addresses.ToArray(), other.Addresses.ToArray());
            Assert.All(Enumerable.Range(0, list.Count), i => Assert.Equal(list.HashAt(i).ToArray(), other.HashAt(i).ToArray()));
        }
    }
}
