namespace Cryo.Criu.Tests.Images;

/// <summary>
/// Increments made by content from real CRIU dumps of a process whose memory changes by a known share, restored by a
/// plain <c>criu restore</c> and compared with the memory at dump time.
/// </summary>
[Collection(MemoryWorkloadCollection.Name)]
public class IncrementalRestoreTests(MemoryWorkloadBuild build)
{
    private const int PrivateMiB = 24;
    private const int SharedKiB = 1024;
    private const int Percent = 10;
    private const uint PeParent = 1, PePresent = 4;

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // as when the pages are hashed while CRIU writes them
    public async Task Increment_Should_LeaveUnchangedPagesToTheParent_And_RestoreTheMemoryAtDumpTime(bool hashedBeforehand)
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        var criu = CriuForTests.Create();
        using var workload = await MemoryWorkload.StartAsync(build.BinaryPath, dir.Combine("control"), PrivateMiB, SharedKiB, Percent);
        var (parent, child, parentIndex, rewritten, atDump) = await DumpTwiceAsync(criu, workload, dir, timeout.Token);
        var digests = hashedBeforehand
            ? Directory.GetFiles(child, "pages-*.img").Select(f => PagesImageDigests.Compute(f, null, timeout.Token)).ToList()
            : null;

        var result = new IncrementalRewriter().Rewrite(child, parent, parentIndex, digests, timeout.Token);

        // The images, decoded with the same messages CRIU's are: in each region exactly the rewritten pages stay.
        var privatePages = (int)(workload.PrivateLength / PageMap.PageSize);
        var sharedPages = (int)(workload.SharedLength / PageMap.PageSize);
        Assert.Equal((Rewritten(privatePages, 1), Rewritten(sharedPages, 1)), (rewritten.Private, rewritten.Shared));
        var task = Decode(Path.Combine(child, "pagemap-1.img"), workload.PrivateAddress, workload.PrivateLength);
        Assert.Equal((rewritten.Private, privatePages - rewritten.Private), (task.Present, task.InParent));
        var shmem = Decode(Directory.GetFiles(child, "pagemap-shmem-*.img").Single(), 0, workload.SharedLength);
        Assert.Equal((rewritten.Shared, sharedPages - rewritten.Shared), (shmem.Present, shmem.InParent));
        Assert.Equal(task.PresentInFile * PageMap.PageSize, new FileInfo(Path.Combine(child, task.PagesFile)).Length);
        Assert.Equal(Path.Combine("..", "..", "1", "images"), new FileInfo(Path.Combine(child, CriuImageFiles.ParentLink)).LinkTarget);
        Assert.InRange(result.BytesAfter, 1, result.BytesBefore / 5);

        // A plain criu restore follows the parent link and rebuilds the memory as it was at the child's dump.
        await AssertRestoresAsync(criu, workload, child, dir.Combine("restored.pid"), atDump, timeout.Token);
    }

    [Fact]
    public async Task Increment_Should_BeTheSameBytes_And_Restore_When_TheChangedPagesWereCopiedBesideTheDump()
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        var criu = CriuForTests.Create();
        using var workload = await MemoryWorkload.StartAsync(build.BinaryPath, dir.Combine("control"), PrivateMiB, SharedKiB, Percent);
        // Between the two dumps the workload's first answer to "sums" grows its heap by 26 pages, which moves every later page
        // of its pages image by as many: the copy follows them there (without that, every page after the heap was copied).
        var (parent, child, parentIndex, _, atDump) = await DumpTwiceAsync(criu, workload, dir, timeout.Token);
        var copy = dir.Combine("copy/images");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(child))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
        // Chunks of 1 MiB, as the hasher hands over its chunks; the process's pages and its shared memory's each in their own image.
        var (prepared, digests) = EarlyCopyFeed.Copy(child, parentIndex, dir.Combine("early"), chunkPages: 256, lastFirst: true);
        var link = Path.Combine("..", "..", "1", "images");
        // The layout did move: the process holds more pages than at the parent's dump.
        Assert.True(PageMap.Read(Path.Combine(child, "pagemap-1.img")).PresentPageCount > parentIndex.Find("pagemap-1.img")!.Count);

        var today = new IncrementalRewriter().Rewrite(copy, parent, link, parentIndex, digests, timeout.Token);
        var early = new IncrementalRewriter { PreparedPages = prepared }.Rewrite(child, parent, link, parentIndex, digests, timeout.Token);

        // Every pages image was copied beside the dump and taken as it was.
        Assert.Equal(Directory.GetFiles(copy, "pagemap-*.img").Length, prepared.Count);
        Assert.Equal((prepared.Count, 0), (early.Steps.EarlyCopiesTaken, early.Steps.EarlyCopiesRefused));
        // The same increment as the rewrite that copies the pages itself: the same pagemap entries, the same pages files.
        Assert.Equal(DirectorySnapshot.Take(copy), DirectorySnapshot.Take(child));
        foreach (var pageMap in Directory.GetFiles(copy, "pagemap-*.img").Select(Path.GetFileName))
        {
            Assert.Equal(PageMap.Read(Path.Combine(copy, pageMap!)).Runs, PageMap.Read(Path.Combine(child, pageMap!)).Runs);
        }
        Assert.Equal(Flatten(today.Index), Flatten(early.Index));
        Assert.Equal((today.PagesStored, today.BytesAfter), (early.PagesStored, early.BytesAfter));
        Assert.InRange(early.BytesAfter, 1, early.BytesBefore / 5);
        await AssertRestoresAsync(criu, workload, child, dir.Combine("restored.pid"), atDump, timeout.Token);
    }

    [Fact]
    public async Task Chain_Should_RestoreEachIncrement_When_ThreeFollowAFullDump()
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        var criu = CriuForTests.Create();
        using var workload = await MemoryWorkload.StartAsync(build.BinaryPath, dir.Combine("control"), PrivateMiB, SharedKiB, Percent);
        var images = Enumerable.Range(0, 4).Select(g => dir.Combine($"{g}/images")).ToList();
        await DumpAsync(criu, workload, images[0], timeout.Token);
        var index = PageHashIndex.Build(images[0], null, timeout.Token);
        var checksums = new List<string[]> { await workload.ChecksumsAsync(workload.RootPid) };
        var results = new List<IncrementalRewriteResult>();

        for (var g = 1; g < 4; g++)
        {
            await workload.RewriteAsync(workload.RootPid);
            checksums.Add(await workload.ChecksumsAsync(workload.RootPid));
            await DumpAsync(criu, workload, images[g], timeout.Token);
            results.Add(new IncrementalRewriter().Rewrite(images[g], images[g - 1], index, timeout.Token));
            index = results[^1].Index;
        }

        var privatePages = (int)(workload.PrivateLength / PageMap.PageSize);
        for (var g = 1; g < 4; g++)
        {
            // Each increment stores its own tenth (what changed since its parent), not what changed since the full dump.
            var task = Decode(Path.Combine(images[g], "pagemap-1.img"), workload.PrivateAddress, workload.PrivateLength);
            Assert.Equal(Rewritten(privatePages, g), task.Present);
            var pageNumber = (int)((task.FirstPresent - workload.PrivateAddress) / PageMap.PageSize);
            Assert.True(MemoryWorkload.IsRewritten((ulong)pageNumber, g, Percent), $"increment {g} stores page {pageNumber}");
            // Reading the chain back as CRIU does gives the hashes of the full dump the increment was made from.
            Assert.Equal(Flatten(results[g - 1].Index), Flatten(PageHashIndex.Build(images[g], null, timeout.Token)));
        }
        using (var chain = ImageChain.Open(images[3]))
        {
            Assert.Equal(4, chain.Length);
        }
        for (var g = 3; g >= 1; g--)
        {
            await AssertRestoresAsync(criu, workload, images[g], dir.Combine($"restored-{g}.pid"), checksums[g], timeout.Token);
        }
    }

    [Fact]
    public async Task FailedRewrite_Should_LeaveARestorableFullDump_When_TheParentLostPages()
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        var criu = CriuForTests.Create();
        using var workload = await MemoryWorkload.StartAsync(build.BinaryPath, dir.Combine("control"), PrivateMiB, SharedKiB, Percent);
        var (parent, child, parentIndex, _, atDump) = await DumpTwiceAsync(criu, workload, dir, timeout.Token);
        // The parent's pagemap loses its largest run after the index was made: its pages are gone for the child.
        var pageMapPath = Path.Combine(parent, "pagemap-1.img");
        var map = PageMap.Read(pageMapPath);
        var largest = map.Runs.MaxBy(r => r.PageCount);
        File.WriteAllBytes(pageMapPath, new PageMap(map.PagesId, map.Runs.Where(r => r != largest)).ToImageBytes());
        var snapshot = DirectorySnapshot.Take(child);

        var error = Assert.Throws<IncrementalRewriteException>(() =>
            new IncrementalRewriter().Rewrite(child, parent, parentIndex, timeout.Token));

        Assert.Contains("pagemap-1.img", error.Message);
        Assert.Equal(snapshot, DirectorySnapshot.Take(child));
        await AssertRestoresAsync(criu, workload, child, dir.Combine("restored.pid"), atDump, timeout.Token);
    }

    /// <summary>
    /// What an increment is made from: a full dump of <paramref name="workload"/> into 1/images and its pages' index, a
    /// rewrite of some of its memory, then a full dump into 2/images. The pages rewritten, and the checksums at the second dump.
    /// </summary>
    private static async Task<(string Parent, string Child, PageHashIndex ParentIndex, (int Private, int Shared) Rewritten, string[] AtDump)> DumpTwiceAsync(
        CriuCli criu, MemoryWorkload workload, TempDirectory dir, CancellationToken cancellationToken)
    {
        var (parent, child) = (dir.Combine("1/images"), dir.Combine("2/images"));
        await DumpAsync(criu, workload, parent, cancellationToken);
        var parentIndex = PageHashIndex.Build(parent, null, cancellationToken);
        var rewritten = await workload.RewriteAsync(workload.RootPid);
        var atDump = await workload.ChecksumsAsync(workload.RootPid);
        await DumpAsync(criu, workload, child, cancellationToken);
        return (parent, child, parentIndex, rewritten, atDump);
    }

    private static async Task DumpAsync(CriuCli criu, MemoryWorkload workload, string images, CancellationToken cancellationToken) =>
        await criu.DumpAsync(new DumpOptions { ImagesDirectory = images, Pid = workload.RootPid, LeaveRunning = true }, null,
            CriuForTests.Deadline, cancellationToken);

    /// <summary>Restores <paramref name="images"/> into a new PID namespace (the original keeps running) and compares its memory.</summary>
    private static async Task AssertRestoresAsync(CriuCli criu, MemoryWorkload workload, string images, string pidFile,
        string[] expected, CancellationToken cancellationToken)
    {
        var restoredPid = 0;
        try
        {
            var restore = await criu.RestoreAsync(new RestoreOptions { ImagesDirectory = images, PidFile = pidFile }, null,
                CriuForTests.Deadline, cancellationToken);
            restoredPid = restore.RestoredPid ?? 0;
            Assert.NotEqual(workload.RootPid, restoredPid);
            Assert.Equal([restoredPid, 1], ProcessTable.NamespacePids(restoredPid));
            var actual = await workload.ChecksumsAsync(restoredPid);
            Assert.Equal(expected.Length, actual.Length);
            var differing = Enumerable.Range(0, expected.Length).Where(i => expected[i] != actual[i]).ToList();
            Assert.True(differing.Count == 0, $"{differing.Count} pages differ after restoring {images}, the first: {string.Join(", ", differing.Take(5))}");
        }
        finally
        {
            ProcessTable.KillNamespaceInit(restoredPid);
        }
    }

    /// <summary>Page counts of a pagemap image in [<paramref name="start"/>, +<paramref name="length"/>), decoded message by message.</summary>
    private static PageCounts Decode(string pageMapPath, ulong start, ulong length)
    {
        using var reader = CriuImageReader.Open(pageMapPath, CriuImageKind.PageMap);
        var head = reader.ReadRequired(PagemapHead.Parser);
        var counts = new PageCounts { PagesFile = CriuImageFiles.PagesFileName(head.PagesId), FirstPresent = ulong.MaxValue };
        while (reader.Read(PagemapEntry.Parser) is { } entry)
        {
            Assert.True(entry.HasNrPages, "CRIU 4.2 writes nr_pages");
            Assert.False(entry.HasInParent && entry.InParent, "in_parent is CRIU's old form; flags say it now");
            if ((entry.Flags & PePresent) != 0)
            {
                counts.PresentInFile += (long)entry.NrPages;
            }
            for (var p = 0UL; p < entry.NrPages; p++)
            {
                var address = entry.Vaddr + p * PageMap.PageSize;
                if (address < start || address >= start + length)
                {
                    continue;
                }
                if ((entry.Flags & PeParent) != 0)
                {
                    counts.InParent++;
                }
                else if ((entry.Flags & PePresent) != 0)
                {
                    counts.Present++;
                    counts.FirstPresent = Math.Min(counts.FirstPresent, address);
                }
            }
        }
        return counts;
    }

    private static int Rewritten(int pages, int generation) =>
        Enumerable.Range(0, pages).Count(p => MemoryWorkload.IsRewritten((ulong)p, generation, Percent));

    private static List<string> Flatten(PageHashIndex index) =>
        index.PageMaps.OrderBy(p => p.Key, StringComparer.Ordinal)
            .SelectMany(p => Enumerable.Range(0, p.Value.Count)
                .Select(i => $"{p.Key} {p.Value.Addresses[i]:x} {Convert.ToHexString(p.Value.HashAt(i))}"))
            .ToList();

    private sealed class PageCounts
    {
        public required string PagesFile { get; init; }
        public int Present { get; set; }
        public int InParent { get; set; }
        public long PresentInFile { get; set; }
        public ulong FirstPresent { get; set; }
    }
}
