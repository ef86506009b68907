using System.Security.Cryptography;
using Google.Protobuf;

namespace Cryo.Criu.Tests.Images;

public class PageHashIndexTests
{
    [Fact]
    public void Build_Should_HashEveryPresentPage_When_TheDumpIsFull()
    {
        using var dir = new TempDirectory();
        var pages = FakeImages.Pages(0x7f0000000000, 5, seed: 1);
        FakeImages.WritePageMap(dir.Path, "pagemap-1.img", 2, FakeImages.PresentRun(pages), pages);
        var shmem = FakeImages.Pages(0, 2, seed: 2);
        FakeImages.WritePageMap(dir.Path, "pagemap-shmem-77.img", 1, FakeImages.PresentRun(shmem), shmem);

        var index = PageHashIndex.Build(dir.Path, null, CancellationToken.None);

        Assert.Equal(Sha256PageHasher.AlgorithmName, index.Algorithm);
        Assert.Equal(7, index.PageCount);
        var list = index.Find("pagemap-1.img")!;
        Assert.Equal(pages.Keys.Order().ToArray(), list.Addresses.ToArray());
        Assert.Equal(SHA256.HashData(pages[0x7f0000002000]), list.HashAt(2).ToArray());
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(dir.Combine("pagemap-1.img"))), list.PageMapDigest.ToArray());
        Assert.Equal(2, index.Find("pagemap-shmem-77.img")!.Count);
    }

    [Fact]
    public void Build_Should_TakeDigestsMadeBeforehand_When_TheyCoverThePagesImage()
    {
        using var dir = new TempDirectory();
        var pages = FakeImages.Pages(0x400000, 6, seed: 4);
        FakeImages.WritePageMap(dir.Path, "pagemap-1.img", 2, FakeImages.PresentRun(pages), pages);
        var digests = PagesImageDigests.Compute(dir.Combine("pages-2.img"), null, default);
        var read = PageHashIndex.Build(dir.Path, null, default);
        File.Delete(dir.Combine("pages-2.img")); // proves the digests are used: the pages are not read
        File.WriteAllBytes(dir.Combine("pages-2.img"), new byte[6 * PageMap.PageSize]);

        var index = PageHashIndex.Build(dir.Path, null, [digests], default);

        var (expected, actual) = (read.Find("pagemap-1.img")!, index.Find("pagemap-1.img")!);
        Assert.Equal(expected.Addresses.ToArray(), actual.Addresses.ToArray());
        Assert.All(Enumerable.Range(0, 6), i => Assert.Equal(expected.HashAt(i).ToArray(), actual.HashAt(i).ToArray()));
    }

    [Fact]
    public void Build_Should_GiveTheIndexItWouldReadFromThePages_When_DigestsCoverAPagemapOfSeveralRuns()
    {
        using var dir = new TempDirectory();
        var low = FakeImages.Pages(0x400000, 3, seed: 5);
        var high = FakeImages.Pages(0x500000, 2, seed: 6);
        FakeImages.WritePageMap(dir.Path, "pagemap-1.img", 2,
            [new PageRun(0x400000, 3, PageMapFlags.Present), new PageRun(0x500000, 2, PageMapFlags.Present | PageMapFlags.Lazy)],
            low.Concat(high).ToDictionary());
        var digests = PagesImageDigests.Compute(dir.Combine("pages-2.img"), null, default);

        var fromDigests = PageHashIndex.Build(dir.Path, null, [digests], default);
        var fromPages = PageHashIndex.Build(dir.Path, null, default);

        Assert.Equal([0x400000UL, 0x401000, 0x402000, 0x500000, 0x501000], fromDigests.Find("pagemap-1.img")!.Addresses.ToArray());
        Assert.Equal(SHA256.HashData(high[0x501000]), fromDigests.Find("pagemap-1.img")!.HashAt(4).ToArray());
        Assert.Equal(fromPages.ToByteArray(), fromDigests.ToByteArray());
    }

    [Fact]
    public void ToByteArray_Should_WriteTheBytesOfTheGeneratedMessage_When_TheIndexIsWrittenAsItGoes()
    {
        var digest = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        byte[] hashes = [.. digest, .. digest.Reverse(), .. new byte[32]];
        ulong[] addresses = [0x1000, 0x2000, 0x7f0000000000];
        var index = new PageHashIndex(Sha256PageHasher.AlgorithmName, 32,
        [
            new PageMapHashes("pagemap-shmem-9.img", SHA256.HashData("shm"u8), 32, [], []),
            new PageMapHashes("pagemap-1.img", SHA256.HashData("map"u8), 32, addresses, hashes),
        ]);
        var message = new PageHashIndexFile { Version = PageHashIndex.FormatVersion, Algorithm = Sha256PageHasher.AlgorithmName, PageSize = 4096, DigestSize = 32 };
        message.PageMaps.Add(new PageMapHashesEntry
        {
            FileName = "pagemap-1.img",
            PageMapSha256 = ByteString.CopyFrom(SHA256.HashData("map"u8)),
            AddressDeltas = { 0x1000, 0x1000, 0x7f0000000000 - 0x2000 },
            Hashes = ByteString.CopyFrom(hashes),
        });
        message.PageMaps.Add(new PageMapHashesEntry { FileName = "pagemap-shmem-9.img", PageMapSha256 = ByteString.CopyFrom(SHA256.HashData("shm"u8)) });

        var written = index.ToByteArray();

        Assert.Equal(message.ToByteArray(), written);
        Assert.Equal(addresses, PageHashIndex.Parse(written).Find("pagemap-1.img")!.Addresses.ToArray());
    }

    [Fact]
    public void SaveThenLoad_Should_KeepEveryHash()
    {
        using var dir = new TempDirectory();
        var pages = FakeImages.Pages(0x400000, 300, seed: 3);
        FakeImages.WritePageMap(dir.Combine("images"), "pagemap-1.img", 1, FakeImages.PresentRun(pages), pages);
        var index = PageHashIndex.Build(dir.Combine("images"), null, CancellationToken.None);

        index.Save(dir.Combine(PageHashIndex.DefaultFileName));
        var loaded = PageHashIndex.Load(dir.Combine(PageHashIndex.DefaultFileName));

        var (before, after) = (index.Find("pagemap-1.img")!, loaded.Find("pagemap-1.img")!);
        Assert.Equal(before.Addresses.ToArray(), after.Addresses.ToArray());
        Assert.Equal(before.PageMapDigest.ToArray(), after.PageMapDigest.ToArray());
        Assert.All(Enumerable.Range(0, before.Count), i => Assert.Equal(before.HashAt(i).ToArray(), after.HashAt(i).ToArray()));
        // Consecutive pages cost about two bytes of address each, beside their 32 bytes of hash.
        Assert.InRange(new FileInfo(dir.Combine(PageHashIndex.DefaultFileName)).Length, 300 * 32, 300 * 36);
    }

    [Fact]
    public void Parse_Should_Throw_When_TheBytesAreNoIndex()
    {
        Assert.Throws<FormatException>(() => PageHashIndex.Parse([0x08, 0x07, 0x12, 0x01]));
        Assert.Throws<FormatException>(() => PageHashIndex.Parse([0xff, 0xff]));
    }

    [Fact]
    public void Matches_Should_WalkForwardAndCompareHashes()
    {
        var digest = new byte[32];
        var other = Enumerable.Repeat((byte)1, 32).ToArray();
        var list = new PageMapHashes("pagemap-1.img", new byte[32], 32, [0x1000, 0x3000], [.. digest, .. other]);
        var cursor = 0;

        Assert.False(list.Matches(0x0000, digest, ref cursor));
        Assert.True(list.Matches(0x1000, digest, ref cursor));
        Assert.False(list.Matches(0x2000, digest, ref cursor));
        Assert.False(list.Matches(0x3000, digest, ref cursor));
        Assert.True(list.Matches(0x3000, other, ref cursor));
        Assert.False(list.Matches(0x4000, other, ref cursor));
    }
}
