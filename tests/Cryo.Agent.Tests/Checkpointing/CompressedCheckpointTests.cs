using Cryo.Agent.Store.Compression;
using Cryo.Testing.Agent.Harness;

namespace Cryo.Agent.Tests.Checkpointing;

/// <summary>
/// Checkpoints whose page images are compressed at rest with zstd: dumped by real CRIU, compressed before commit,
/// decompressed into a scratch copy of the chain and restored by real CRIU, memory compared.
/// </summary>
public sealed class CompressedCheckpointTests : IAsyncLifetime, IDisposable
{
    private const int Mib = 48;
    private readonly TestEngines engines = new();
    private readonly RestoredCopies copies;

    public CompressedCheckpointTests()
    {
        copies = new RestoredCopies(engines);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await copies.DisposeAsync();

    public void Dispose() => engines.Dispose();

    [Fact]
    public async Task Checkpoint_Should_StorePageImagesAsZstdFramesAndRestoreTheSameMemory_When_CompressionIsZstd()
    {
        var (workload, checksum) = await Memhog.StartAsync(Mib, CancellationToken.None, "redis");
        await using var running = workload;

        var outcome = await CheckpointAsync(workload, "packed", null, ImageCompression.Zstd);

        Assert.Equal(ImageCompression.Zstd, outcome.Compression);
        var stored = Find("packed");
        Assert.Empty(Directory.EnumerateFiles(stored.ImagesDirectory, "pages-*.img"));
        var entry = Assert.Single(stored.Manifest.Files, f => f.Compression is not null);
        Assert.Matches(@"^images/pages-\d+\.img\.zst$", entry.Path);
        Assert.Equal(ImageCompression.Zstd, stored.Manifest.Options.Compression);
        Assert.Equal(4, stored.Manifest.SchemaVersion);
        // A key-value store's memory shrinks several times; what the checkpoint holds is still counted as CRIU wrote it.
        Assert.InRange(outcome.StoredBytes, 1, outcome.SizeBytes / 2);
        Assert.Equal(stored.Manifest.MemoryPagesBytes, entry.PlainSize);
        Assert.InRange(entry.PlainSize!.Value, Mib * 1024L * 1024, (Mib + 8) * 1024L * 1024);
        await ChecksumVerifier.VerifyAsync(stored, CancellationToken.None);

        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
        Assert.Equal(checksum, await RestoreChecksumAsync("packed"));
        // The decompressed copy CRIU read is gone with the restore; the checkpoint is as committed.
        Assert.Empty(engines.Store.ListAbandoned());
        await ChecksumVerifier.VerifyAsync(Find("packed"), CancellationToken.None);
    }

    [Fact]
    public async Task Restore_Should_NameTheCompressedFileAndItsBytes_When_ACompressedPageImageIsDamaged()
    {
        var (workload, _) = await Memhog.StartAsync(Mib, CancellationToken.None, "jvm");
        await using var running = workload;
        await CheckpointAsync(workload, "packed", null, ImageCompression.Zstd);
        var stored = Find("packed");
        var entry = Assert.Single(stored.Manifest.Files, f => f.Compression is not null);
        var path = stored.ResolveFile(entry.Path);
        FileDamage.FlipMiddleByte(path);

        var error = await Assert.ThrowsAsync<CheckpointCorruptedException>(() => engines.Restores.RestoreAsync(TestEngines.RestoreOf("packed"), CancellationToken.None));

        Assert.Equal(stored.Key, error.Key);
        Assert.Equal(entry.Path, error.RelativePath);
        Assert.Equal(CorruptionKind.Sha256Differs, error.Kind);
        Assert.Contains("in bytes ", error.Message, StringComparison.Ordinal);
        // Nothing half-decompressed stays behind, and the checkpoint is left as it was.
        Assert.Empty(engines.Store.ListAbandoned());
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task Restore_Should_BringBackTheLastMemory_When_CompressedAndPlainIncrementsFormAChain()
    {
        var (workload, _) = await Memhog.StartAsync(Mib, CancellationToken.None);
        await using var running = workload;
        await CheckpointAsync(workload, "c0", null, ImageCompression.Zstd);
        await Memhog.ChangeAsync(workload, CancellationToken.None);
        var child = await CheckpointAsync(workload, "c1", "c0", ImageCompression.Zstd);
        var middle = await Memhog.ChangeAsync(workload, CancellationToken.None);
        await CheckpointAsync(workload, "c2", "c1", null);
        var last = await Memhog.ChangeAsync(workload, CancellationToken.None);
        var top = await CheckpointAsync(workload, "c3", "c2", ImageCompression.Zstd);

        // The increment compared against its compressed parent's page index: it keeps only what changed.
        Assert.Equal((2, ImageCompression.Zstd), (child.ChainLength, child.Compression));
        Assert.InRange(child.StoredBytes, 1, child.SizeBytes * 0.2);
        Assert.Equal(4, top.ChainLength);
        Assert.Single(Find("c1").Manifest.Files, f => f.Compression is not null && f.Path.StartsWith("images/pages-", StringComparison.Ordinal));

        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
        Assert.Equal(last, await RestoreChecksumAsync("c3"));
        Assert.Equal(middle, await RestoreChecksumAsync("c2"));
        Assert.Empty(engines.Store.ListAbandoned());
    }

    [Fact]
    public async Task Restore_Should_RestoreEagerlyAndSayWhy_When_ALazyRestoreIsAskedOfACompressedCheckpoint()
    {
        var (workload, checksum) = await Memhog.StartAsync(8, CancellationToken.None);
        await using var running = workload;
        await CheckpointAsync(workload, "packed", null, ImageCompression.Zstd);
        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
        var command = TestEngines.RestoreOf("packed") with { Lazy = true };

        var outcome = await engines.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);

        Assert.False(outcome.Lazy);
        Assert.Contains("compressed", outcome.LazyFallbackReason, StringComparison.Ordinal);
        Assert.Equal(checksum, await Memhog.AskAsync(outcome.HostPid, "USR1", "check", engines.OutputOf(command), cancellationToken: CancellationToken.None));
    }

    private Task<CheckpointOutcome> CheckpointAsync(ContainerWorkload workload, string name, string? parent, string? compression) =>
        engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, name) with { ParentCheckpoint = parent, Compression = compression },
            new RecordingProgress<CheckpointStage>(), CancellationToken.None);

    private StoredCheckpoint Find(string name) => Assert.Single(engines.Store.FindByName("default", name));

    private async Task<string> RestoreChecksumAsync(string name)
    {
        var command = TestEngines.RestoreOf(name);
        var outcome = await engines.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);
        var checksum = await Memhog.AskAsync(outcome.HostPid, "USR1", "check", engines.OutputOf(command), cancellationToken: CancellationToken.None);
        await ProcessReaper.KillTreeAsync(outcome.HostPid, CancellationToken.None);
        return checksum;
    }
}
