using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace Cryo.Agent.Tests.Store;

[SupportedOSPlatform("linux")]
public sealed class ChunkedSha256Tests : IDisposable
{
    private const int ReadSize = 1024 * 1024;

    private readonly TempDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(ReadSize)]
    [InlineData((2 * ReadSize) + 17)]
    public async Task ComputeAsync_Should_EqualOneShotSha256_When_FileSpansReads(int length)
    {
        var path = Path.Combine(scratch.Path, "f");
        StoreTestData.WriteRandomFile(path, length, seed: length);

        var entry = await ChunkedSha256.ComputeAsync(path, "f", ChunkedSha256.DefaultChunkSize, parallelism: 2, CancellationToken.None);

        Assert.Equal(length, entry.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))), entry.Sha256);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ComputeAsync_Should_EqualEachChunksSha256_When_ChunksAreHashedInPairs(int parallelism)
    {
        // Five whole chunks (two pairs and one alone) and a short last one.
        const int chunk = 64 * 1024;
        var path = Path.Combine(scratch.Path, "f");
        StoreTestData.WriteRandomFile(path, (5 * chunk) + 100, seed: parallelism);

        var entry = await ChunkedSha256.ComputeAsync(path, "f", chunk, parallelism, CancellationToken.None);

        Assert.Equal(chunk, entry.ChunkSize);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => Sha256Of(path, i * chunk, i < 5 ? chunk : 100)), entry.ChunkSha256);
    }

    [Theory]
    [InlineData(4096 + 1, 3 * ReadSize, 3 * ReadSize)] // equally long, one from inside a page: hashed together
    [InlineData(0, ReadSize, ReadSize + 1)] // lengths differ: one after the other
    [InlineData(ReadSize, 2 * ReadSize, 20 * ReadSize)] // the second longer than one mapping
    public void HashPair_Should_EqualHashingEachRange_When_RangesAreInsideTheFile(int firstOffset, int firstLength, int secondLength)
    {
        var path = Path.Combine(scratch.Path, "f");
        StoreTestData.WriteRandomFile(path, (20 * ReadSize) + 1000, seed: firstOffset);
        using var handle = File.OpenHandle(path);

        var (first, second) = ChunkedSha256.HashPair(new FileRange(handle, firstOffset, firstLength), new FileRange(handle, 1000, secondLength), CancellationToken.None);

        Assert.Equal((Sha256Of(path, firstOffset, firstLength), (long)firstLength), first);
        Assert.Equal((Sha256Of(path, 1000, secondLength), (long)secondLength), second);
    }

    [Fact]
    public async Task ComputeAsync_Should_MatchKnownVector_When_InputIsAbc()
    {
        var path = Path.Combine(scratch.Path, "abc");
        await File.WriteAllTextAsync(path, "abc");

        var entry = await ChunkedSha256.ComputeAsync(path, "abc", 4096, parallelism: 1, CancellationToken.None);

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", entry.Sha256);
    }

    [Theory]
    [InlineData(0, 0)] // empty range
    [InlineData(4097, 3 * ReadSize)] // offset inside a page
    [InlineData(1000, 20 * ReadSize)] // longer than 16 MiB, ending at the end of file
    [InlineData(ReadSize, ReadSize + 5)]
    public void Hash_Should_EqualSha256OfTheRange_When_RangeIsInsideTheFile(int offset, int length)
    {
        var path = Path.Combine(scratch.Path, "f");
        StoreTestData.WriteRandomFile(path, (20 * ReadSize) + 1000, seed: offset);

        var digest = Hash(path, offset, length, out var hashed);

        Assert.Equal(length, hashed);
        Assert.Equal(Sha256Of(path, offset, length), digest);
    }

    [Theory]
    [InlineData(0, (3 * ReadSize) + 1)] // file shorter than the range
    [InlineData(4097, 3 * ReadSize)] // range from inside the file past its end
    [InlineData(3 * ReadSize, 10)] // range starting at the end of file
    [InlineData(4 * ReadSize, 10)] // range starting past the end of file
    public void Hash_Should_HashUpToTheEndOfFile_When_FileEndsBeforeTheRange(int offset, int length)
    {
        var path = Path.Combine(scratch.Path, "f");
        StoreTestData.WriteRandomFile(path, 3 * ReadSize, seed: offset);
        var existing = Math.Max(0, Math.Min(length, (3 * ReadSize) - offset));

        var digest = Hash(path, offset, length, out var hashed);

        Assert.Equal(existing, hashed);
        Assert.Equal(Sha256Of(path, Math.Min(offset, 3 * ReadSize), existing), digest);
    }

    // Evicted ranges are 2 MiB-aligned: the kernel keeps a large folio that a range only partly covers.
    [Theory]
    [InlineData(0, 16 * ReadSize)] // the first mapping's bytes are read, the second's mapped
    [InlineData(18 * ReadSize, 2 * ReadSize)] // the other way round
    public void Hash_Should_EqualSha256OfTheRange_When_PartOfTheFileIsNotInThePageCache(int evictOffset, int evictLength)
    {
        var path = Path.Combine(scratch.Path, "f");
        StoreTestData.WriteRandomFile(path, (20 * ReadSize) + 1000, seed: evictOffset);
        Evict(path, evictOffset, evictLength);

        var digest = Hash(path, 1000, 20 * ReadSize, out var hashed);

        Assert.Equal(20 * ReadSize, hashed);
        Assert.Equal(Sha256Of(path, 1000, 20 * ReadSize), digest);
    }

    [Fact]
    public void Hash_Should_ReadPastTheLengthSeenAtStart_When_TheFileHoldsMore()
    {
        // A file that grows during the call holds more than its length said when the call started: those
        // bytes are read rather than mapped. /proc/self/cmdline is the same case made still: stat says 0 bytes.
        const string path = "/proc/self/cmdline";
        var content = File.ReadAllBytes(path);

        var digest = Hash(path, 0, 1024 * 1024, out var hashed);

        Assert.Equal(content.Length, hashed);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), digest);
    }

    private static string Hash(string path, long offset, long length, out long hashed)
    {
        using var handle = File.OpenHandle(path);
        return ChunkedSha256.Hash(new FileRange(handle, offset, length), null, CancellationToken.None, out hashed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16)] // exactly one chunk
    [InlineData(37)] // two whole chunks and a short last one
    public async Task EntryOfPages_Should_EqualHashingTheFileByPages_When_PageDigestsAreKnown(int pages)
    {
        const int chunk = 16 * 4096;
        var path = Path.Combine(scratch.Path, "pages-2.img");
        StoreTestData.WriteRandomFile(path, pages * 4096, seed: pages);
        var digests = Cryo.Criu.Images.PagesImageDigests.Compute(path, null, CancellationToken.None);

        var known = ChunkedSha256.EntryOfPages("images/pages-2.img", digests, chunk);
        var read = await ChunkedSha256.ComputeAsync(path, "images/pages-2.img", chunk, parallelism: 2, CancellationToken.None, DigestAlgorithms.Sha256OfPages);

        Assert.NotNull(known);
        Assert.Equal((read.Path, read.Size, read.Sha256, read.ChunkSize, read.DigestAlgorithm), (known.Path, known.Size, known.Sha256, known.ChunkSize, known.DigestAlgorithm));
        Assert.Equal(read.ChunkSha256 ?? [], known.ChunkSha256 ?? []);
    }

    [Fact]
    public void EntryOfPages_Should_GiveNothing_When_DigestsAreNotSha256OfPages()
    {
        var digests = new Cryo.Criu.Images.PagesImageDigests("pages-2.img", "blake3", 32, new byte[64]);

        Assert.Null(ChunkedSha256.EntryOfPages("images/pages-2.img", digests, ChunkedSha256.DefaultChunkSize));
    }

    // Drops a range of the file from the page cache (once written back: clean pages are dropped at once).
    private static void Evict(string path, long offset, long length)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Flush(flushToDisk: true);
        Assert.Equal(0, Cryo.Testing.Agent.Harness.NativeMethods.posix_fadvise((int)stream.SafeFileHandle.DangerousGetHandle(), offset, length, Cryo.Testing.Agent.Harness.NativeMethods.POSIX_FADV_DONTNEED));
    }

    private static string Sha256Of(string path, int offset, int length) =>
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path).AsSpan(offset, length)));
}
