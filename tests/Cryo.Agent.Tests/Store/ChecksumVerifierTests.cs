using System.Runtime.Versioning;

namespace Cryo.Agent.Tests.Store;

[SupportedOSPlatform("linux")]
public sealed class ChecksumVerifierTests : IDisposable
{
    private readonly TempDirectory scratch = new();
    private readonly ImageStore store;

    public ChecksumVerifierTests()
    {
        store = new ImageStore(new ImageStoreOptions { RootDirectory = Path.Combine(scratch.Path, "store") });
    }

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task VerifyAsync_Should_Pass_When_CheckpointIsIntact()
    {
        var stored = await StoreTestData.CommitFakeAsync(store, StoreTestData.Key());

        await ChecksumVerifier.VerifyAsync(store.Find(stored.Key)!, CancellationToken.None);
    }

    [Fact]
    public async Task VerifyContentAsync_Should_NameThePageImage_When_OneByteIsFlipped()
    {
        var stored = await StoreTestData.CommitFakeAsync(store, StoreTestData.Key());
        var pages = Path.Combine(stored.ImagesDirectory, "pages-1.img");
        FileDamage.FlipByte(pages, 2 * 1024 * 1024 + 5, 0x01);

        var reopened = store.Find(stored.Key)!;
        ChecksumVerifier.VerifyStructure(reopened);
        var error = await Assert.ThrowsAsync<CheckpointCorruptedException>(() => ChecksumVerifier.VerifyContentAsync(reopened, CancellationToken.None));

        Assert.Equal("images/pages-1.img", error.RelativePath);
        Assert.Equal(CorruptionKind.Sha256Differs, error.Kind);
        Assert.Contains("images/pages-1.img", error.Message);
        Assert.Contains("SHA-256 differs", error.Message);
    }

    [Fact]
    public async Task VerifyContentAsync_Should_NameTheChunk_When_FileIsListedInChunksAndOneByteIsFlipped()
    {
        const long chunk = 256 * 1024;
        var key = StoreTestData.Key();
        StoredCheckpoint stored;
        using (var pending = store.Begin(key))
        {
            StoreTestData.WriteFakeDump(pending);
            var pagesPath = Path.Combine(pending.ImagesDirectory, "pages-1.img");
            var pagesEntry = await ChunkedSha256.ComputeAsync(pagesPath, "images/pages-1.img", chunk, parallelism: 2, CancellationToken.None);
            var manifest = StoreTestData.Manifest(key);
            manifest.Files = [pagesEntry];
            stored = await store.CommitAsync(pending, manifest, CancellationToken.None);
        }

        var listed = store.Find(stored.Key)!.Manifest.Files.Single(f => f.Path == "images/pages-1.img");
        Assert.Equal(13, listed.ChunkSha256!.Count);
        await ChecksumVerifier.VerifyAsync(store.Find(stored.Key)!, CancellationToken.None);
        FileDamage.FlipByte(Path.Combine(stored.ImagesDirectory, "pages-1.img"), (5 * chunk) + 17, 0x01);

        var error = await Assert.ThrowsAsync<CheckpointCorruptedException>(() => ChecksumVerifier.VerifyAsync(store.Find(stored.Key)!, CancellationToken.None));

        Assert.Equal("images/pages-1.img", error.RelativePath);
        Assert.Equal(CorruptionKind.Sha256Differs, error.Kind);
        Assert.Contains($"in bytes {5 * chunk}-{(6 * chunk) - 1} (chunk 6 of 13)", error.Message);
    }

    [Theory]
    [InlineData(17L)]
    [InlineData((4L * 1024 * 1024) + 4096 + 1)]
    [InlineData((12L * 1024 * 1024) + (4 * 4096))]
    [InlineData((20L * 1024 * 1024) + 122)]
    public async Task VerifyContentAsync_Should_NameTheChunk_When_PagesImageIsListedByPageDigestsAndOneByteIsFlipped(long at)
    {
        // 20 MiB and 123 bytes: two chunks, the last page of the second one short.
        var key = StoreTestData.Key();
        var stored = await StoreTestData.CommitFakeAsync(store, key, (20 * 1024 * 1024) + 123, DigestAlgorithms.Sha256OfPages);
        var listed = store.Find(key)!.Manifest.Files.Single(f => f.Path == "images/pages-1.img");
        Assert.Equal((DigestAlgorithms.Sha256OfPages, 2), (listed.DigestAlgorithm, listed.ChunkSha256!.Count));
        Assert.Equal(CheckpointManifest.PageDigestsSchemaVersion, store.Find(key)!.Manifest.SchemaVersion);
        await ChecksumVerifier.VerifyAsync(store.Find(key)!, CancellationToken.None);
        FileDamage.FlipByte(Path.Combine(stored.ImagesDirectory, "pages-1.img"), at, 0x01);

        var error = await Assert.ThrowsAsync<CheckpointCorruptedException>(() => ChecksumVerifier.VerifyAsync(store.Find(key)!, CancellationToken.None));

        Assert.Equal("images/pages-1.img", error.RelativePath);
        Assert.Equal(CorruptionKind.Sha256Differs, error.Kind);
        Assert.Contains(at < ChunkedSha256.DefaultChunkSize ? "(chunk 1 of 2)" : "(chunk 2 of 2)", error.Message);
    }

    [Fact]
    public async Task VerifyAsync_Should_CheckPlainDigests_When_TheManifestIsOfTheFormBeforePageDigests()
    {
        // What agents wrote before pages images were listed by their page digests: schema version 2, the SHA-256 of the bytes.
        var key = StoreTestData.Key();
        const long chunk = 1024 * 1024;
        StoredCheckpoint stored;
        using (var pending = store.Begin(key))
        {
            StoreTestData.WriteFakeDump(pending);
            var manifest = StoreTestData.Manifest(key);
            var bytes = await File.ReadAllBytesAsync(Path.Combine(pending.ImagesDirectory, "pages-1.img"));
            manifest.Files = [new ManifestFile
            {
                Path = "images/pages-1.img", Size = bytes.Length, ChunkSize = chunk,
                ChunkSha256 = [.. bytes.Chunk((int)chunk).Select(piece => StoreTestData.ExpectedDigest(piece, null))],
            }];
            stored = await store.CommitAsync(pending, manifest, CancellationToken.None);
        }

        var json = await File.ReadAllTextAsync(stored.ManifestPath);
        Assert.Contains("\"schemaVersion\": 2", json, StringComparison.Ordinal);
        Assert.DoesNotContain("digestAlgorithm", json, StringComparison.Ordinal);
        await ChecksumVerifier.VerifyAsync(store.Find(key)!, CancellationToken.None);
        FileDamage.FlipByte(Path.Combine(stored.ImagesDirectory, "pages-1.img"), (2 * chunk) + 5, 0x01);

        var error = await Assert.ThrowsAsync<CheckpointCorruptedException>(() => ChecksumVerifier.VerifyAsync(store.Find(key)!, CancellationToken.None));

        Assert.Equal(CorruptionKind.Sha256Differs, error.Kind);
        Assert.Contains("(chunk 3 of 4)", error.Message);
    }

    [Fact]
    public async Task VerifyStructure_Should_RefuseEntry_When_ItsDigestAlgorithmIsUnknown()
    {
        var error = await RefusedStructureAsync(manifest =>
        {
            var index = manifest.Files.FindIndex(f => f.Path == "images/pages-2.img");
            manifest.Files[index] = manifest.Files[index] with { DigestAlgorithm = "blake3" };
        });

        Assert.Equal(CorruptionKind.InvalidEntry, error.Kind);
        Assert.Contains("unknown digestAlgorithm 'blake3'", error.Message);
    }

    [Fact]
    public async Task VerifyStructure_Should_RefuseEntry_When_ChunkDigestsDoNotCoverTheFile()
    {
        var error = await RefusedStructureAsync(manifest =>
        {
            var index = manifest.Files.FindIndex(f => f.Path == "images/pages-2.img");
            manifest.Files[index] = manifest.Files[index] with { Sha256 = null, ChunkSize = 4096, ChunkSha256 = [new string('0', 64)] };
        });

        Assert.Equal("images/pages-2.img", error.RelativePath);
        Assert.Equal(CorruptionKind.InvalidEntry, error.Kind);
        Assert.Contains("1 chunk digests for 8192 bytes in chunks of 4096 (expected 2)", error.Message);
    }

    [Fact]
    public async Task VerifyStructure_Should_NameTheFile_When_ImageIsMissing()
    {
        var stored = await StoreTestData.CommitFakeAsync(store, StoreTestData.Key());
        File.Delete(Path.Combine(stored.ImagesDirectory, "inventory.img"));

        var error = Assert.Throws<CheckpointCorruptedException>(() => ChecksumVerifier.VerifyStructure(store.Find(stored.Key)!));

        Assert.Equal("images/inventory.img", error.RelativePath);
        Assert.Equal(CorruptionKind.Missing, error.Kind);
        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public async Task VerifyAsync_Should_NameTheFile_When_ImageIsTruncated()
    {
        var stored = await StoreTestData.CommitFakeAsync(store, StoreTestData.Key());
        await using (var stream = new FileStream(Path.Combine(stored.ImagesDirectory, "pages-2.img"), FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(4096);
        }

        var error = await Assert.ThrowsAsync<CheckpointCorruptedException>(() => ChecksumVerifier.VerifyAsync(store.Find(stored.Key)!, CancellationToken.None));

        Assert.Equal("images/pages-2.img", error.RelativePath);
        Assert.Equal(CorruptionKind.SizeDiffers, error.Kind);
        Assert.Contains("8192", error.Detail);
        Assert.Contains("4096", error.Detail);
    }

    [Fact]
    public async Task VerifyContentAsync_Should_NameTheFile_When_RemovedAfterStructureCheck()
    {
        var stored = await StoreTestData.CommitFakeAsync(store, StoreTestData.Key());
        var reopened = store.Find(stored.Key)!;
        ChecksumVerifier.VerifyStructure(reopened);
        File.Delete(Path.Combine(stored.LogsDirectory, "dump.log"));

        var error = await Assert.ThrowsAsync<CheckpointCorruptedException>(() => ChecksumVerifier.VerifyContentAsync(reopened, CancellationToken.None));

        Assert.Equal("logs/dump.log", error.RelativePath);
        Assert.Equal(CorruptionKind.Missing, error.Kind);
    }

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("/etc/passwd")]
    public async Task VerifyStructure_Should_RefuseEntry_When_PathLeavesTheCheckpoint(string path)
    {
        var error = await RefusedStructureAsync(manifest => manifest.Files.Add(new ManifestFile { Path = path, Size = 1, Sha256 = new string('0', 64) }));

        Assert.Equal(path, error.RelativePath);
        Assert.Equal(CorruptionKind.InvalidEntry, error.Kind);
    }

    [Fact]
    public async Task VerifyStructure_Should_Refuse_When_ManifestListsNoFiles()
    {
        var error = await RefusedStructureAsync(manifest => manifest.Files.Clear());

        Assert.Equal(CorruptionKind.InvalidEntry, error.Kind);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(DigestAlgorithms.Sha256OfPages)]
    public async Task VerifyBytes_Should_PassTheFilesBytesAndNameTheFile_When_OneByteOfThemIsFlipped(string? algorithm)
    {
        var stored = await StoreTestData.CommitFakeAsync(store, StoreTestData.Key(), pagesDigest: algorithm);
        var reopened = store.Find(stored.Key)!;
        var entry = reopened.Manifest.Files.Single(f => f.Path == "images/pages-1.img");
        var bytes = await File.ReadAllBytesAsync(reopened.ResolveFile(entry.Path));

        ChecksumVerifier.VerifyBytes(reopened, entry, bytes);
        bytes[bytes.Length / 2] ^= 0x01;
        var error = Assert.Throws<CheckpointCorruptedException>(() => ChecksumVerifier.VerifyBytes(reopened, entry, bytes));

        Assert.Equal("images/pages-1.img", error.RelativePath);
        Assert.Equal(CorruptionKind.Sha256Differs, error.Kind);
    }

    [Fact]
    public async Task VerifyBytes_Should_SayTheSizeDiffers_When_TheBytesAreShorterThanListed()
    {
        var stored = await StoreTestData.CommitFakeAsync(store, StoreTestData.Key());
        var reopened = store.Find(stored.Key)!;
        var entry = reopened.Manifest.Files.Single(f => f.Path == "images/inventory.img");
        var bytes = await File.ReadAllBytesAsync(reopened.ResolveFile(entry.Path));

        var error = Assert.Throws<CheckpointCorruptedException>(() => ChecksumVerifier.VerifyBytes(reopened, entry, bytes.AsSpan(1)));

        Assert.Equal(CorruptionKind.SizeDiffers, error.Kind);
    }

    /// <summary>Commits a fake checkpoint, edits its manifest with <paramref name="edit"/> and saves it: what the structure check then refuses.</summary>
    private async Task<CheckpointCorruptedException> RefusedStructureAsync(Action<CheckpointManifest> edit)
    {
        var stored = await StoreTestData.CommitFakeAsync(store, StoreTestData.Key());
        var manifest = stored.Manifest;
        edit(manifest);
        await manifest.SaveAsync(stored.ManifestPath, CancellationToken.None);

        return Assert.Throws<CheckpointCorruptedException>(() => ChecksumVerifier.VerifyStructure(store.Find(stored.Key)!));
    }
}
