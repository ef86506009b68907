using System.Runtime.Versioning;
using System.Text;
using Cryo.Agent.Store.Compression;
using ZstdSharp;

namespace Cryo.Agent.Tests.Store;

[SupportedOSPlatform("linux")]
public sealed class PagesCompressorTests : IDisposable
{
    private readonly TempDirectory scratch = new();
    private readonly ImageStore store;

    public PagesCompressorTests()
    {
        store = new ImageStore(new ImageStoreOptions { RootDirectory = Path.Combine(scratch.Path, "store"), OwnerId = "node-a" });
    }

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task Compress_Should_ReplaceEachPageImageWithAZstdFrameWhoseDigestsAreOfTheStoredBytes_When_Called()
    {
        using var pending = store.Begin(StoreTestData.Key());
        // 40 MiB of text (three 16 MiB chunks before compression), and a small second image.
        var plain = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 2_000_000).Select(i => $"user:{i:D8} {{\"n\":{i % 977}}}\n")))[..(40 * 1024 * 1024)];
        await File.WriteAllBytesAsync(Path.Combine(pending.ImagesDirectory, "pages-1.img"), plain);
        await File.WriteAllBytesAsync(Path.Combine(pending.ImagesDirectory, "pages-2.img"), new byte[8192]);
        await File.WriteAllBytesAsync(Path.Combine(pending.ImagesDirectory, "pagemap-1.img"), [1, 2, 3]);

        var (files, _) = PagesCompressor.Compress(pending, 2, CancellationToken.None);

        Assert.Equal(["images/pages-1.img.zst", "images/pages-2.img.zst"], files.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.Equal(["pagemap-1.img", "pages-1.img.zst", "pages-2.img.zst"],
            Directory.EnumerateFiles(pending.ImagesDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var big = files.Single(f => f.Path == "images/pages-1.img.zst");
        Assert.Equal((ImageCompression.Zstd, (long?)plain.Length), (big.Compression, big.PlainSize));
        Assert.Null(big.Problem());
        Assert.InRange(big.Size, 1, plain.Length / 4);
        var path = pending.ResolveFile(big.Path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var rehashed = await ChunkedSha256.ComputeAsync(path, big.Path, ChunkedSha256.DefaultChunkSize, 1, CancellationToken.None);
        Assert.Equal((rehashed.Size, rehashed.Sha256, rehashed.ChunkSha256), (big.Size, big.Sha256, big.ChunkSha256));
        using var decompressor = new Decompressor();
        Assert.Equal(plain, decompressor.Unwrap(await File.ReadAllBytesAsync(path)).ToArray());
    }

    [Theory]
    [InlineData("gzip", 10L, "images/pages-1.img.zst", "unknown compression gzip")]
    [InlineData("zstd", null, "images/pages-1.img.zst", "needs a plainSize")]
    [InlineData("zstd", 10L, "images/pages-1.img", "needs a plainSize and a name ending in .zst")]
    [InlineData(null, 10L, "images/pages-1.img", "plainSize without a compression")]
    public void Problem_Should_SayWhatIsWrong_When_ACompressedEntryIsMalformed(string? compression, long? plainSize, string path, string expected)
    {
        var entry = new ManifestFile { Path = path, Size = 3, Sha256 = new string('a', 64), Compression = compression, PlainSize = plainSize };

        Assert.Contains(expected, entry.Problem(), StringComparison.Ordinal);
    }

    [Fact]
    public void Scratch_Should_BeSparedBySweepsWhileOpenAndRemovedOnDispose_When_Begun()
    {
        var work = store.BeginScratch(StoreTestData.Key(), "decompressed");
        File.WriteAllText(Path.Combine(work.Directory, "pages-1.img"), "x");

        Assert.Empty(store.ListAbandoned());
        Assert.Equal(0, store.RecoverAbandoned());
        work.Dispose();

        Assert.False(Directory.Exists(work.Directory));
    }
}
