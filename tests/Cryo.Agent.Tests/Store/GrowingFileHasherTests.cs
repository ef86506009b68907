using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace Cryo.Agent.Tests.Store;

[SupportedOSPlatform("linux")]
public sealed class GrowingFileHasherTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    // Small chunks, small batches and fast polls so the follower really hashes while the writer is writing.
    private static readonly GrowingFileHasherOptions Eager = new() { PollInterval = TimeSpan.FromMilliseconds(1), MinimumBatchBytes = 1, ChunkSize = 64 * 1024 };

    private readonly TempDirectory scratch = new();
    private readonly string images;

    public GrowingFileHasherTests()
    {
        images = Path.Combine(scratch.Path, "images");
    }

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task CompleteAsync_Should_EqualFinalDigests_When_WriterAppendsConcurrently()
    {
        await using var hasher = GrowingFileHasher.Start(images, scratch.Path, CancellationToken.None, Eager);
        Directory.CreateDirectory(images);

        // Two page images appended in uneven chunks, and a small image rewritten in place (not append-only).
        var writer = AppendPagesImagesAsync(seed: 7, chunks: 200, random => random.Next(1, 96 * 1024), everyNthToSecond: 3,
            afterChunk100: () => Eventually.TrueAsync(() => hasher.BytesHashedWhileWriting > 0, "some bytes are hashed while written", Deadline));
        StoreTestData.WriteRandomFile(Path.Combine(images, "core-1.img"), 5000, seed: 1);
        await writer;
        StoreTestData.WriteRandomFile(Path.Combine(images, "core-1.img"), 3000, seed: 2);

        var digests = await hasher.CompleteAsync(CancellationToken.None);

        Assert.True(hasher.BytesHashedWhileWriting > 0);
        Assert.Equal(["images/core-1.img", "images/pages-1.img", "images/pages-2.img"], digests.Select(d => d.Path));
        await AssertEqualsFinalDigestsAsync(digests);
    }

    [Fact]
    public async Task CompleteAsync_Should_EqualFinalDigest_When_AppendOnlyFileIsTruncatedAndRewritten()
    {
        Directory.CreateDirectory(images);
        var pages = Path.Combine(images, "pages-1.img");
        StoreTestData.WriteRandomFile(pages, 1024 * 1024, seed: 1);
        await using var hasher = GrowingFileHasher.Start(images, scratch.Path, CancellationToken.None, Eager);
        await Eventually.TrueAsync(() => hasher.BytesHashedWhileWriting >= 1024 * 1024, "the first MiB is hashed", Deadline);

        StoreTestData.WriteRandomFile(pages, 1000, seed: 2);
        var digests = await hasher.CompleteAsync(CancellationToken.None);

        await AssertEqualsFinalDigestsAsync(digests);
    }

    [Fact]
    public async Task CompleteAsync_Should_EqualFinalDigest_When_AppendOnlyFileIsReplacedBySameName()
    {
        Directory.CreateDirectory(images);
        var pages = Path.Combine(images, "pages-1.img");
        StoreTestData.WriteRandomFile(pages, 300 * 1024, seed: 1);
        await using var hasher = GrowingFileHasher.Start(images, scratch.Path, CancellationToken.None, Eager);
        // Only whole chunks are hashed while the writer may still append: 4 of the 4.7.
        await Eventually.TrueAsync(() => hasher.BytesHashedWhileWriting >= 4 * 64 * 1024, "four whole chunks are hashed", Deadline);

        File.Delete(pages);
        StoreTestData.WriteRandomFile(pages, 200 * 1024, seed: 2);
        var digests = await hasher.CompleteAsync(CancellationToken.None);

        await AssertEqualsFinalDigestsAsync(digests);
    }

    [Fact]
    public async Task CompleteAsync_Should_ReturnNothing_When_DirectoryNeverAppeared()
    {
        await using var hasher = GrowingFileHasher.Start(images, scratch.Path, CancellationToken.None);

        var digests = await hasher.CompleteAsync(CancellationToken.None);

        Assert.Empty(digests);
    }

    [Fact]
    public async Task CompleteAsync_Should_Throw_When_CalledTwice()
    {
        await using var hasher = GrowingFileHasher.Start(images, scratch.Path, CancellationToken.None);
        await hasher.CompleteAsync(CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => hasher.CompleteAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CompleteAsync_Should_ThrowCancelled_When_StartTokenWasCancelled()
    {
        using var cancellation = new CancellationTokenSource();
        Directory.CreateDirectory(images);
        await using var hasher = GrowingFileHasher.Start(images, scratch.Path, cancellation.Token, Eager);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => hasher.CompleteAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CompleteAsync_Should_ListChunkDigests_When_FileIsLargerThanOneChunk()
    {
        Directory.CreateDirectory(images);
        StoreTestData.WriteRandomFile(Path.Combine(images, "pages-1.img"), (3 * 64 * 1024) + 100, seed: 3);
        StoreTestData.WriteRandomFile(Path.Combine(images, "pages-2.img"), 64 * 1024, seed: 4);
        StoreTestData.WriteRandomFile(Path.Combine(images, "core-1.img"), 0, seed: 5);
        await using var hasher = GrowingFileHasher.Start(images, scratch.Path, CancellationToken.None, Eager);

        var digests = await hasher.CompleteAsync(CancellationToken.None);

        Assert.Equal([null, 64 * 1024, null], digests.Select(d => d.ChunkSize));
        Assert.Equal(4, digests[1].ChunkSha256!.Count);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", digests[0].Sha256);
        await AssertEqualsFinalDigestsAsync(digests);
    }

    [Fact]
    public async Task CompleteAsync_Should_GiveEveryPageOfEachPagesImageItsSha256_When_ThePagesImagesGrewWhileFollowed()
    {
        await using var hasher = GrowingFileHasher.Start(images, scratch.Path, CancellationToken.None, Eager);
        Directory.CreateDirectory(images);
        await AppendPagesImagesAsync(seed: 11, chunks: 120, random => random.Next(1, 24) * 4096, everyNthToSecond: 4);
        StoreTestData.WriteRandomFile(Path.Combine(images, "core-1.img"), 5000, seed: 1);

        await hasher.CompleteAsync(CancellationToken.None);

        Assert.Equal(["pages-1.img", "pages-2.img"], hasher.PageDigestsOfPagesImages.Select(d => d.FileName).Order(StringComparer.Ordinal));
        foreach (var digests in hasher.PageDigestsOfPagesImages)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(images, digests.FileName));
            Assert.Equal(bytes.Length / 4096, digests.PageCount);
            Assert.Equal("sha256", digests.Algorithm);
            for (var page = 0; page < digests.PageCount; page++)
            {
                Assert.Equal(SHA256.HashData(bytes.AsSpan(page * 4096, 4096)), digests.DigestAt(page).ToArray());
            }
        }
    }

    [Fact]
    public async Task CompleteAsync_Should_ListPagesImagesByTheirPageDigests_And_OtherFilesPlainly_When_PagesAreDigested()
    {
        Directory.CreateDirectory(images);
        StoreTestData.WriteRandomFile(Path.Combine(images, "pages-1.img"), 5 * 64 * 1024, seed: 6);
        StoreTestData.WriteRandomFile(Path.Combine(images, "pages-2.img"), 3 * 4096, seed: 7);
        StoreTestData.WriteRandomFile(Path.Combine(images, "core-1.img"), 5000, seed: 8);
        await using var hasher = GrowingFileHasher.Start(images, scratch.Path, CancellationToken.None, Eager);

        var digests = await hasher.CompleteAsync(CancellationToken.None);

        Assert.Equal([null, DigestAlgorithms.Sha256OfPages, DigestAlgorithms.Sha256OfPages], digests.Select(d => d.DigestAlgorithm));
        Assert.Equal(5, digests[1].ChunkSha256!.Count);
        await AssertEqualsFinalDigestsAsync(digests);
    }

    [Fact]
    public async Task CompleteAsync_Should_ListPagesImagesByThePlainSha256_When_PagesAreNotDigested()
    {
        Directory.CreateDirectory(images);
        StoreTestData.WriteRandomFile(Path.Combine(images, "pages-1.img"), 5 * 64 * 1024, seed: 6);
        await using var hasher = GrowingFileHasher.Start(images, scratch.Path, CancellationToken.None, Eager with { DigestPages = false });

        var digests = await hasher.CompleteAsync(CancellationToken.None);

        Assert.Null(Assert.Single(digests).DigestAlgorithm);
        Assert.Empty(hasher.PageDigestsOfPagesImages);
        await AssertEqualsFinalDigestsAsync(digests);
    }

    // Independent of the code under test: every range's digest from the file's bytes, and the ranges
    // cover the file exactly (one whole-file digest up to one chunk, chunks of Eager.ChunkSize beyond).
    private async Task AssertEqualsFinalDigestsAsync(IReadOnlyList<ManifestFile> digests)
    {
        var expected = Directory.GetFiles(images).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(p => Path.GetRelativePath(scratch.Path, p)), digests.Select(d => d.Path));
        foreach (var digest in digests)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(scratch.Path, digest.Path));
            Assert.Equal(bytes.Length, digest.Size);
            Assert.Null(digest.Problem());
            Assert.Equal(bytes.Length > Eager.ChunkSize, digest.ChunkSha256 is not null);
            long covered = 0;
            foreach (var range in digest.Ranges())
            {
                Assert.Equal(covered, range.Offset);
                Assert.Equal(StoreTestData.ExpectedDigest(bytes.AsSpan((int)range.Offset, (int)range.Length), digest.DigestAlgorithm), range.Sha256);
                covered += range.Length;
            }

            Assert.Equal(bytes.Length, covered);
        }
    }

    /// <summary>
    /// Appends <paramref name="chunks"/> random chunks of <paramref name="chunkSize"/> bytes to pages-1.img and
    /// pages-2.img (each <paramref name="everyNthToSecond"/>th to the second), flushing each so that the follower sees
    /// the files grow as CRIU's writes would; <paramref name="afterChunk100"/> runs once chunk 100 is written.
    /// </summary>
    private Task AppendPagesImagesAsync(int seed, int chunks, Func<Random, int> chunkSize, int everyNthToSecond, Func<Task>? afterChunk100 = null) =>
        Task.Run(async () =>
        {
            await using var pages1 = new FileStream(Path.Combine(images, "pages-1.img"), FileMode.CreateNew);
            await using var pages2 = new FileStream(Path.Combine(images, "pages-2.img"), FileMode.CreateNew);
            var random = new Random(seed);
            for (var i = 0; i < chunks; i++)
            {
                var chunk = new byte[chunkSize(random)];
                random.NextBytes(chunk);
                var pages = i % everyNthToSecond == 0 ? pages2 : pages1;
                await pages.WriteAsync(chunk);
                await pages.FlushAsync();
                if (i == 100 && afterChunk100 is not null)
                {
                    await afterChunk100();
                }
            }
        });
}
