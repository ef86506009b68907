using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;
using Cryo.Agent.Tests.Support;
using Cryo.Testing;
using Cryo.Testing.Agent.Harness;
using Xunit;

namespace Cryo.Agent.Tests.Checkpointing;

/// <summary>
/// The full images CRIU wrote for an increment, kept beside it in <c>flat/</c> while it is the newest of its chain
/// (Agent:Engine:KeepFlatCopy): real CRIU restores the newest increment from them as from a full checkpoint, an older one
/// through its parent links once a newer increment has removed its copy, and a damaged copy is refused and dropped.
/// </summary>
public sealed class IncrementalFlatCopyTests : IAsyncLifetime, IDisposable
{
    private const int Mib = 64;
    private readonly ImagesObservingCriu observer;
    private readonly TestEngines engines;
    private readonly RestoredCopies copies;

    public IncrementalFlatCopyTests()
    {
        ImagesObservingCriu? wrapped = null;
        engines = new TestEngines(criu => wrapped = new ImagesObservingCriu(criu));
        observer = wrapped!;
        copies = new RestoredCopies(engines);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await copies.DisposeAsync();

    public void Dispose() => engines.Dispose();

    [Fact]
    public async Task Restore_Should_ReadTheNewestIncrementsKeptCopyAndAnOlderOnesChain_When_AThirdLevelCommitted()
    {
        var (workload, _) = await Memhog.StartAsync(Mib, CancellationToken.None);
        await using var running = workload;
        var full = await CheckpointAsync(workload, "c0", null);
        var middle = await Memhog.ChangeAsync(workload, CancellationToken.None);
        var c1 = await CheckpointAsync(workload, "c1", "c0");
        Assert.True(Find("c1").HasFlatCopy);
        var last = await Memhog.ChangeAsync(workload, CancellationToken.None);

        var c2 = await CheckpointAsync(workload, "c2", "c1");
        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);

        // The newest increment keeps the full memory beside it, counted apart: what it stores is still an increment's.
        var newest = Find("c2");
        Assert.True(newest.HasFlatCopy);
        Assert.InRange(c2.StoredBytes, 1, full.StoredBytes * 0.2);
        Assert.InRange(c2.FlatCopyBytes, Mib * 1024L * 1024, full.StoredBytes * 1.1);
        Assert.Equal(c2.FlatCopyBytes, newest.Manifest.FlatCopy!.Bytes);
        Assert.DoesNotContain(newest.Manifest.Files, file => file.Path.StartsWith("flat/", StringComparison.Ordinal));
        // Its parent's copy went as it committed: a chain keeps one.
        Assert.True(c1.FlatCopyBytes > 0);
        Assert.False(Find("c1").HasFlatCopy);
        Assert.NotNull(Find("c1").Manifest.FlatCopy);

        Assert.Equal(last, await RestoreChecksumAsync("c2"));
        // CRIU read a full set of images: no parent link, every page in its own pages images.
        Assert.NotEqual(newest.ImagesDirectory, observer.ImagesDirectory);
        Assert.False(observer.HadParentLink);
        Assert.Equal(0, observer.PagesInParent);
        Assert.InRange(observer.PresentPages, Mib * 256L, long.MaxValue);
        Assert.False(Directory.Exists(observer.ImagesDirectory), "the links to the copy are removed once CRIU is done");
        Assert.True(newest.HasFlatCopy, "the copy itself stays for the next restore");

        Assert.Equal(middle, await RestoreChecksumAsync("c1"));
        // Without its copy the older increment is read through its parent link, as CRIU reads any increment.
        Assert.Equal(Find("c1").ImagesDirectory, observer.ImagesDirectory);
        Assert.True(observer.HadParentLink);
        Assert.True(observer.PagesInParent > 0);
    }

    [Fact]
    public async Task Restore_Should_RefuseNamingTheCopysFileAndDropTheCopy_When_TheKeptCopyIsDamaged()
    {
        var (workload, _) = await Memhog.StartAsync(Mib, CancellationToken.None);
        await using var running = workload;
        await CheckpointAsync(workload, "base", null);
        var changed = await Memhog.ChangeAsync(workload, CancellationToken.None);
        await CheckpointAsync(workload, "child", "base");
        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
        var child = Find("child");
        var pages = Directory.EnumerateFiles(child.FlatCopyDirectory, "pages-*.img").OrderByDescending(f => new FileInfo(f).Length).First();
        FileDamage.FlipMiddleByte(pages);

        var error = await Assert.ThrowsAsync<CheckpointCorruptedException>(() => engines.Restores.RestoreAsync(TestEngines.RestoreOf("child"), CancellationToken.None));

        Assert.Equal(child.Key, error.Key);
        Assert.Equal("flat/" + Path.GetFileName(pages), error.RelativePath);
        Assert.Equal(CorruptionKind.Sha256Differs, error.Kind);
        // The copy is a cache of what the chain holds: it goes, and the next restore reads the chain, intact.
        Assert.False(child.HasFlatCopy);
        Assert.Equal(changed, await RestoreChecksumAsync("child"));
        Assert.True(observer.HadParentLink);
    }

    [Fact]
    public async Task Checkpoint_Should_KeepNoFlatCopy_When_TheSettingIsOff()
    {
        engines.Options.KeepFlatCopy = false;
        var (workload, _) = await Memhog.StartAsync(8, CancellationToken.None);
        await using var running = workload;
        await CheckpointAsync(workload, "base", null);
        await Memhog.ChangeAsync(workload, CancellationToken.None);

        var child = await CheckpointAsync(workload, "child", "base");

        Assert.Equal(0, child.FlatCopyBytes);
        Assert.Null(Find("child").Manifest.FlatCopy);
        Assert.False(Directory.Exists(Find("child").FlatCopyDirectory));
    }

    private Task<CheckpointOutcome> CheckpointAsync(ContainerWorkload workload, string name, string? parent) =>
        engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, name) with { ParentCheckpoint = parent },
            new RecordingProgress<CheckpointStage>(), CancellationToken.None);

    private StoredCheckpoint Find(string name) => Assert.Single(engines.Store.FindByName("default", name));

    private async Task<string> RestoreChecksumAsync(string name)
    {
        var command = TestEngines.RestoreOf(name);
        var outcome = await engines.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);
        var checksum = await Memhog.AskAsync(outcome.HostPid, "USR1", "check", engines.OutputOf(command));
        await ProcessReaper.KillTreeAsync(outcome.HostPid, CancellationToken.None);
        return checksum;
    }
}
