using Cryo.Agent.Grpc;
using Cryo.Testing.Agent.Harness;
using Cryo.Criu.Images;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cryo.Agent.Tests.Checkpointing;

/// <summary>
/// Checkpoints with a parent on a kernel without soft-dirty tracking: dumped in full by real CRIU, rewritten by
/// content into CRIU's incremental form before commit, restored by real CRIU through the parent links (and, with
/// Agent:Engine:FlattenChainOnRestore, from the chain written out whole). The newest increment of a chain keeps CRIU's
/// full images in <c>flat/</c> (Agent:Engine:KeepFlatCopy) and is restored from them as from a full checkpoint, an older one
/// through its parent links once a newer increment removed its copy; a damaged copy is refused and dropped.
/// </summary>
public sealed class IncrementalCheckpointTests : IAsyncLifetime, IDisposable
{
    private const int Mib = 64;
    private readonly ImagesObservingCriu observer;
    private readonly TestEngines engines;
    private readonly RestoredCopies copies;

    public IncrementalCheckpointTests()
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
    public async Task Checkpoint_Should_StoreOnlyTheChangedPagesCopiedBesideTheDumpAndRestoreTheWholeMemory_When_ItNamesAParent()
    {
        var (workload, _) = await Memhog.StartAsync(Mib, CancellationToken.None);
        await using var running = workload;
        var parent = await CheckpointAsync(workload, "base", null);
        var changed = await Memhog.ChangeAsync(workload, CancellationToken.None);

        var child = await CheckpointAsync(workload, "child", "base");

        Assert.Equal(("base", 2, ManifestIncrement.ContentBased), (child.Parent, child.ChainLength, child.IncrementMethod));
        Assert.InRange(child.StoredBytes, 1, parent.StoredBytes * 0.2);
        Assert.InRange(child.SizeBytes, parent.StoredBytes * 0.9, parent.StoredBytes * 1.1);
        var stored = Find("child");
        Assert.Equal("../../" + Find("base").Key.DirectoryName + "/images", new FileInfo(Path.Combine(stored.ImagesDirectory, "parent")).LinkTarget);
        var increment = stored.Manifest.Increment!;
        Assert.Equal(Find("base").Key, increment.Parent);
        Assert.InRange(increment.PagesInParent, increment.Pages * 0.8, increment.Pages * 0.95);
        // The page index kept for the next increment is the chain's content, as hashing it through the links says.
        Assert.Equal(PageHashIndex.Build(stored.ImagesDirectory, null, CancellationToken.None).ToByteArray(), PageHashIndex.Load(stored.PageIndexPath).ToByteArray());
        // memhog's memory is laid out as at the parent's dump: the pages copied while CRIU wrote were taken as they were,
        // and nothing of that copy is left in the store once its removal beside the commit is done.
        Assert.True(increment.PagesCopiedBesideDump);
        await engines.Store.RemovalsBesideDoneAsync();
        var temporary = Path.Combine(engines.Store.RootDirectory, ".tmp");
        Assert.Empty(Directory.Exists(temporary) ? Directory.EnumerateDirectories(temporary, "*early-pages*", SearchOption.AllDirectories) : []);

        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
        Assert.Equal(changed, await RestoreChecksumAsync("child"));
    }

    [Fact]
    public async Task Restore_Should_BringBackTheLastMemory_When_TheCheckpointEndsAChainOfIncrements()
    {
        var (workload, first) = await Memhog.StartAsync(Mib, CancellationToken.None);
        await using var running = workload;
        await CheckpointAsync(workload, "c0", null);
        var checksums = new List<string> { first };
        for (var i = 1; i <= 3; i++)
        {
            checksums.Add(await Memhog.ChangeAsync(workload, CancellationToken.None));
            var outcome = await CheckpointAsync(workload, $"c{i}", $"c{i - 1}");
            Assert.Equal(i + 1, outcome.ChainLength);
        }

        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);

        Assert.Equal(checksums[3], await RestoreChecksumAsync("c3"));
        Assert.Equal(checksums[1], await RestoreChecksumAsync("c1"));
        Assert.Equal(4, CheckpointChain.Of(engines.Store, Find("c3")).Count);
    }

    [Fact]
    public async Task Restore_Should_GiveCriuTheChainWrittenOutWholeAndKeepTheStoredChain_When_FlatteningIsOnAndTheCheckpointIsTheThirdLevel()
    {
        engines.Options.FlattenChainOnRestore = true;
        // Else the newest increment is restored from the full images it keeps, and nothing is written out.
        engines.Options.KeepFlatCopy = false;
        var (workload, _) = await Memhog.StartAsync(Mib, CancellationToken.None);
        await using var running = workload;
        await CheckpointAsync(workload, "c0", null);
        await Memhog.ChangeAsync(workload, CancellationToken.None);
        await CheckpointAsync(workload, "c1", "c0");
        var last = await Memhog.ChangeAsync(workload, CancellationToken.None);
        await CheckpointAsync(workload, "c2", "c1");
        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
        var stored = Assert.Single(engines.Store.FindByName("default", "c2"));
        var storedPages = Directory.EnumerateFiles(stored.ImagesDirectory, "pages-*.img").Sum(f => new FileInfo(f).Length);

        var command = TestEngines.RestoreOf("c2");
        var outcome = await engines.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);
        var checksum = await Memhog.AskAsync(outcome.HostPid, "USR1", "check", engines.OutputOf(command));

        Assert.Equal(last, checksum);
        // CRIU read a full set of images: no link, nothing left to a parent, every page of the memory in its own pages images.
        Assert.NotEqual(stored.ImagesDirectory, observer.ImagesDirectory);
        Assert.False(observer.HadParentLink);
        Assert.Equal(0, observer.PagesInParent);
        Assert.InRange(observer.PresentPages, Mib * 256L, long.MaxValue);
        // The copy goes once CRIU is done (removed beside the restore); the stored checkpoint is still the increment it was, its chain whole.
        await Eventually.TrueAsync(() => !Directory.Exists(observer.ImagesDirectory), "the flat copy is removed");
        Assert.Equal(3, CheckpointChain.Of(engines.Store, stored).Count);
        Assert.Equal(storedPages, Directory.EnumerateFiles(stored.ImagesDirectory, "pages-*.img").Sum(f => new FileInfo(f).Length));
        Assert.InRange(storedPages, 1, Mib * 1024L * 1024 / 4);
    }

    [Fact]
    public async Task Restore_Should_KeepCriusLogToErrorsAndWarnings_When_CriuReadsAnIncrementThroughItsParentLinks()
    {
        engines.Options.FlattenChainOnRestore = false;
        engines.Options.KeepFlatCopy = false;
        var (workload, _) = await Memhog.StartAsync(16, CancellationToken.None);
        await using var running = workload;
        await CheckpointAsync(workload, "base", null);
        await Memhog.ChangeAsync(workload, CancellationToken.None);
        await CheckpointAsync(workload, "child", "base");
        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);

        var chainLog = await RestoreLogAsync("child");
        var fullLog = await RestoreLogAsync("base");

        // At debug level CRIU writes lines for every run of pages it reads through the parent link ("parent has N pages in").
        Assert.DoesNotContain("parent has", chainLog, StringComparison.Ordinal);
        Assert.True(chainLog.Length < fullLog.Length / 4, $"the increment's restore log has {chainLog.Length} bytes, the full checkpoint's {fullLog.Length}");
    }

    [Fact]
    public async Task Restore_Should_RefuseAndNameTheParentsFile_When_APageOfTheParentIsDamaged()
    {
        // Read through the chain: from a kept flat copy CRIU reads no page of the parent, and none is verified.
        engines.Options.KeepFlatCopy = false;
        var (workload, _) = await Memhog.StartAsync(Mib, CancellationToken.None);
        await using var running = workload;
        await CheckpointAsync(workload, "base", null);
        await Memhog.ChangeAsync(workload, CancellationToken.None);
        await CheckpointAsync(workload, "child", "base");
        var pages = Directory.EnumerateFiles(Find("base").ImagesDirectory, "pages-*.img").OrderByDescending(f => new FileInfo(f).Length).First();
        FileDamage.FlipMiddleByte(pages);

        var error = await Assert.ThrowsAsync<CheckpointCorruptedException>(() => engines.Restores.RestoreAsync(TestEngines.RestoreOf("child"), CancellationToken.None));

        Assert.Equal(Find("base").Key, error.Key);
        Assert.Equal("images/" + Path.GetFileName(pages), error.RelativePath);
    }

    [Fact]
    public async Task Checkpoint_Should_HashTheParentsPagesInstead_When_TheParentsPageIndexDoesNotMatchItsManifest()
    {
        var (workload, _) = await Memhog.StartAsync(Mib, CancellationToken.None);
        await using var running = workload;
        await CheckpointAsync(workload, "base", null);
        var changed = await Memhog.ChangeAsync(workload, CancellationToken.None);
        await CheckpointAsync(workload, "now", null);
        // The index of the changed memory in place of the parent's (same pagemap, other hashes): used as it is, it would
        // make every page look unchanged, and the increment would restore the parent's memory.
        File.Copy(Find("now").PageIndexPath, Find("base").PageIndexPath, overwrite: true);

        var child = await CheckpointAsync(workload, "child", "base");

        Assert.Equal(("base", 2), (child.Parent, child.ChainLength));
        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
        Assert.Equal(changed, await RestoreChecksumAsync("child"));
    }

    [Fact]
    public async Task Restore_Should_RunTheCopy_When_OnlyThePageIndexIsDamaged()
    {
        var (workload, first) = await Memhog.StartAsync(Mib, CancellationToken.None);
        await using var running = workload;
        await CheckpointAsync(workload, "base", null);
        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
        // CRIU never reads the index: the restore leaves it to the increment that does (the test above).
        FileDamage.FlipMiddleByte(Find("base").PageIndexPath);

        Assert.Equal(first, await RestoreChecksumAsync("base"));
    }

    [Fact]
    public async Task Delete_Should_RefuseAndNameTheChildren_When_IncrementsReadTheCheckpoint()
    {
        var (workload, _) = await Memhog.StartAsync(8, CancellationToken.None);
        await using var running = workload;
        await CheckpointAsync(workload, "base", null);
        await CheckpointAsync(workload, "child", "base");
        var catalog = new ImageStoreCatalog(engines.Store, NullLogger<ImageStoreCatalog>.Instance);

        var error = await Assert.ThrowsAsync<CheckpointHasChildrenException>(() => catalog.DeleteAsync("default", "base", CancellationToken.None));

        Assert.Equal(["child"], error.Children);
        Assert.NotNull(engines.Store.Find(Find("base").Key));
        Assert.True((await catalog.DeleteAsync("default", "child", CancellationToken.None)).Deleted);
        // Deleting the child unlinks its parent link, never what it points at.
        Assert.True(Directory.EnumerateFiles(Find("base").ImagesDirectory, "pages-*.img").Any());
        Assert.True((await catalog.DeleteAsync("default", "base", CancellationToken.None)).Deleted);
    }

    [Fact]
    public async Task Checkpoint_Should_SayWhichParentIsMissing_When_TheParentIsNotInTheStore()
    {
        var command = TestEngines.CheckpointOf(Environment.ProcessId, "orphan") with { ParentCheckpoint = "nowhere" };

        var error = await Assert.ThrowsAsync<CheckpointNotFoundException>(() =>
            engines.Checkpoints.CheckpointAsync(command, new RecordingProgress<CheckpointStage>(), CancellationToken.None));

        Assert.Equal("nowhere", error.Name);
        Assert.Contains("names parent nowhere", error.Message, StringComparison.Ordinal);
        Assert.Empty(engines.Store.List());
    }

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
        // The agent's API says so: the committed result and the catalog's summary count the copy while it is kept, apart from storedBytes.
        var catalog = new ImageStoreCatalog(engines.Store, NullLogger<ImageStoreCatalog>.Instance);
        var result = ProtoMapper.ToEvent(c2, "op-c2", "node-1", engines.Store.GetSpace()).Result;
        Assert.Equal((c2.FlatCopyBytes, c2.StoredBytes), (result.FlatCopyBytes, result.StoredBytes));
        var summaries = (await catalog.ListAsync("default", CancellationToken.None)).ToDictionary(r => r.Key.Name, ProtoMapper.ToSummary);
        Assert.Equal((0L, c2.FlatCopyBytes, 0L), (summaries["c0"].FlatCopyBytes, summaries["c2"].FlatCopyBytes, summaries["c1"].FlatCopyBytes));
        Assert.Equal(c2.StoredBytes, summaries["c2"].StoredBytes);

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

    [Fact]
    public async Task Checkpoint_Should_RemoveTheKeptCopiesAndKeepNone_When_TheVolumeIsShortOfRoom()
    {
        var (workload, _) = await Memhog.StartAsync(8, CancellationToken.None);
        await using var running = workload;
        await CheckpointAsync(workload, "base", null);
        await Memhog.ChangeAsync(workload, CancellationToken.None);
        await CheckpointAsync(workload, "child", "base");
        Assert.True(Find("child").HasFlatCopy);
        // No volume has all of itself free: every checkpoint from here on finds it short of room.
        engines.Options.FlatCopyMinFreePercent = 100;

        await CheckpointAsync(workload, "other", null);
        var childKeptCopy = Find("child").HasFlatCopy;
        var grandchild = await CheckpointAsync(workload, "grandchild", "child");

        // Gone as the full checkpoint began, not only when an increment of its chain committed.
        Assert.False(childKeptCopy);
        Assert.Equal(0, grandchild.FlatCopyBytes);
        Assert.False(Directory.Exists(Find("grandchild").FlatCopyDirectory));
    }

    private Task<CheckpointOutcome> CheckpointAsync(ContainerWorkload workload, string name, string? parent) =>
        engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, name) with { ParentCheckpoint = parent },
            new RecordingProgress<CheckpointStage>(), CancellationToken.None);

    private StoredCheckpoint Find(string name) => Assert.Single(engines.Store.FindByName("default", name));

    private async Task<string> RestoreLogAsync(string name)
    {
        var outcome = await engines.Restores.RestoreAsync(TestEngines.RestoreOf(name), CancellationToken.None);
        copies.Track(outcome.HostPid);
        await ProcessReaper.KillTreeAsync(outcome.HostPid, CancellationToken.None);
        return await File.ReadAllTextAsync(Path.Combine(outcome.WorkDirectory!, CriuImageFiles.RestoreLog));
    }

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
