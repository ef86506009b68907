using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace Cryo.Agent.Tests.Store;

[SupportedOSPlatform("linux")]
public sealed class ImageStoreTests : IDisposable
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const string Owner = "node-a";

    private readonly TempDirectory scratch = new();
    private readonly string root;

    public ImageStoreTests()
    {
        root = Path.Combine(scratch.Path, "store");
    }

    public void Dispose() => scratch.Dispose();

    [Fact]
    public void Constructor_Should_CreateRootWith0700_When_Missing()
    {
        _ = NewStore();

        Assert.Equal(DirectoryMode, File.GetUnixFileMode(root));
        Assert.Equal(DirectoryMode, File.GetUnixFileMode(Path.Combine(root, ".tmp")));
        Assert.Equal(DirectoryMode, File.GetUnixFileMode(Path.Combine(root, ".tmp", Owner)));
    }

    [Fact]
    public void Begin_Should_CreatePrivateTemporaryLayout_When_Called()
    {
        var store = NewStore();

        using var pending = store.Begin(StoreTestData.Key());

        Assert.StartsWith(Path.Combine(root, ".tmp", Owner, "default.warm-jvm-6f1c2a9e-0b7d-4c3e-9a51-2f0d8e7c1b44."), pending.Directory);
        Assert.Equal(Path.Combine(pending.Directory, "images"), pending.ImagesDirectory);
        Assert.Equal(Path.Combine(pending.Directory, "logs"), pending.LogsDirectory);
        foreach (var directory in new[] { pending.Directory, pending.ImagesDirectory, pending.LogsDirectory })
        {
            Assert.Equal(DirectoryMode, File.GetUnixFileMode(directory));
        }
    }

    [Fact]
    public async Task Commit_Should_ListOnlyCommittedCheckpoints_When_AnotherIsStillPending()
    {
        var store = NewStore();
        var committedKey = StoreTestData.Key("committed");
        var pendingKey = StoreTestData.Key("pending");
        using var pending = store.Begin(pendingKey);
        StoreTestData.WriteFakeDump(pending);

        var beforeCommit = store.List();
        await StoreTestData.CommitFakeAsync(store, committedKey);
        var afterCommit = store.List();

        Assert.Empty(beforeCommit);
        Assert.Equal([committedKey], afterCommit.Select(c => c.Key));
        Assert.Null(store.Find(pendingKey));
        Assert.Empty(store.FindByName("default", "pending"));
        Assert.Equal([committedKey], store.List("default").Select(c => c.Key));
        Assert.Empty(store.List("other"));
    }

    [Fact]
    public async Task Commit_Should_MoveTheWholeDirectoryAtOnce_When_Committed()
    {
        var store = NewStore();
        var key = StoreTestData.Key();
        using var pending = store.Begin(key);
        StoreTestData.WriteFakeDump(pending);

        var stored = await store.CommitAsync(pending, StoreTestData.Manifest(key), CancellationToken.None);

        Assert.True(pending.IsCommitted);
        Assert.False(Directory.Exists(pending.Directory));
        Assert.Equal(Path.Combine(root, "default", key.DirectoryName), stored.Directory);
        Assert.Empty(TemporaryEntries());
        Assert.True(File.Exists(Path.Combine(stored.ImagesDirectory, "pages-1.img")));
        Assert.True(File.Exists(Path.Combine(stored.LogsDirectory, "dump.log")));
        Assert.Equal(stored.Directory, store.Find(key)?.Directory);
    }

    [Fact]
    public async Task Commit_Should_RecordEveryFileWithSizeAndSha256_When_NoDigestsSupplied()
    {
        var store = NewStore();
        var key = StoreTestData.Key();

        var stored = await StoreTestData.CommitFakeAsync(store, key);

        var reloaded = await CheckpointManifest.LoadAsync(stored.ManifestPath, CancellationToken.None);
        Assert.Equal(
            ["images/inventory.img", "images/pages-1.img", "images/pages-2.img", "logs/dump.log"],
            reloaded.Files.Select(f => f.Path));
        foreach (var file in reloaded.Files)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(stored.Directory, file.Path));
            Assert.Equal(bytes.Length, file.Size);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), file.Sha256);
        }

        Assert.Equal(3 * 1024 * 1024 + 123 + 8192, reloaded.MemoryPagesBytes);
        Assert.Equal(key, reloaded.Key);
        Assert.Equal(reloaded.Files.Sum(f => f.Size) + new FileInfo(stored.ManifestPath).Length, stored.SizeBytes);
    }

    [Fact]
    public async Task Commit_Should_CountOnlyCriusNumberedPagesImagesAsMemory_When_OtherFilesLookAlike()
    {
        // One definition of "a pages image" (CriuImageFiles.IsPagesImage): pages-N.img, N digits.
        var store = NewStore();
        var key = StoreTestData.Key();
        using var pending = store.Begin(key);
        StoreTestData.WriteFakeDump(pending);
        await File.WriteAllBytesAsync(Path.Combine(pending.ImagesDirectory, "pages-extra.img"), new byte[4096]);

        var stored = await store.CommitAsync(pending, StoreTestData.Manifest(key), CancellationToken.None);

        Assert.Equal(3 * 1024 * 1024 + 123 + 8192, stored.Manifest.MemoryPagesBytes);
    }

    [Fact]
    public async Task Commit_Should_ProduceAVerifiableCheckpoint_When_DigestsComeFromTheGrowingHasher()
    {
        var store = NewStore();
        var key = StoreTestData.Key();
        using var pending = store.Begin(key);
        var manifest = StoreTestData.Manifest(key);
        await using (var hasher = pending.StartHashingImages(CancellationToken.None))
        {
            StoreTestData.WriteFakeDump(pending);
            manifest.Files = [.. await hasher.CompleteAsync(CancellationToken.None)];
        }

        var stored = await store.CommitAsync(pending, manifest, CancellationToken.None);

        Assert.Equal(
            ["images/inventory.img", "images/pages-1.img", "images/pages-2.img", "logs/dump.log"],
            stored.Manifest.Files.Select(f => f.Path));
        await ChecksumVerifier.VerifyAsync(store.Find(key)!, CancellationToken.None);
    }

    [Fact]
    public async Task List_Should_OnlyEverShowCompleteCheckpoints_When_CommitsRunConcurrently()
    {
        var store = NewStore();
        var keys = Enumerable.Range(0, 8).Select(i => StoreTestData.Key($"c{i}")).ToList();
        var committing = Task.Run(async () =>
        {
            foreach (var key in keys)
            {
                await StoreTestData.CommitFakeAsync(store, key);
            }
        });

        var observations = 0;
        while (!committing.IsCompleted || observations == 0)
        {
            foreach (var listed in store.List())
            {
                ChecksumVerifier.VerifyStructure(listed);
                observations++;
            }
        }

        await committing;
        Assert.Equal(keys.Select(k => k.Name).Order(StringComparer.Ordinal), store.List().Select(c => c.Key.Name));
    }

    [Fact]
    public async Task Commit_Should_KeepSuppliedDigests_When_SizesStillMatch()
    {
        var store = NewStore();
        var key = StoreTestData.Key();
        using var pending = store.Begin(key);
        StoreTestData.WriteFakeDump(pending);
        var manifest = StoreTestData.Manifest(key);
        var supplied = new ManifestFile { Path = "images/pages-1.img", Size = 3 * 1024 * 1024 + 123, Sha256 = new string('a', 64) };
        var staleSize = new ManifestFile { Path = "images/pages-2.img", Size = 1, Sha256 = new string('b', 64) };
        var vanished = new ManifestFile { Path = "images/gone.img", Size = 1, Sha256 = new string('c', 64) };
        manifest.Files = [supplied, staleSize, vanished];

        var stored = await store.CommitAsync(pending, manifest, CancellationToken.None);

        var files = stored.Manifest.Files.ToDictionary(f => f.Path);
        Assert.Equal(supplied, files["images/pages-1.img"]);
        var actual = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(stored.ImagesDirectory, "pages-2.img"))));
        Assert.Equal(actual, files["images/pages-2.img"].Sha256);
        Assert.DoesNotContain("images/gone.img", files.Keys);
    }

    [Fact]
    public async Task Commit_Should_Set0700And0600_When_WriterLeftLooserModes()
    {
        var store = NewStore();
        var key = StoreTestData.Key();
        using var pending = store.Begin(key);
        StoreTestData.WriteFakeDump(pending);
        Directory.CreateDirectory(Path.Combine(pending.ImagesDirectory, "nested"));
        File.SetUnixFileMode(Path.Combine(pending.ImagesDirectory, "nested"), DirectoryMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        StoreTestData.WriteRandomFile(Path.Combine(pending.ImagesDirectory, "nested", "x.img"), 10, seed: 9);

        var stored = await store.CommitAsync(pending, StoreTestData.Manifest(key), CancellationToken.None);

        var all = new DirectoryInfo(stored.Directory).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).ToList();
        Assert.Contains(all, e => e.Name == "manifest.json");
        Assert.All(all.OfType<DirectoryInfo>().Append(new DirectoryInfo(stored.Directory)), d => Assert.Equal(DirectoryMode, d.UnixFileMode));
        Assert.All(all.OfType<FileInfo>(), f => Assert.Equal(FileMode, f.UnixFileMode));
        Assert.Equal(DirectoryMode, File.GetUnixFileMode(Path.Combine(root, "default")));
        Assert.Equal("-rw-------", await StatAsync("-c", "%A", stored.ManifestPath));
        Assert.Equal("drwx------", await StatAsync("-c", "%A", stored.ImagesDirectory));
    }

    [Fact]
    public async Task Begin_Should_Refuse_When_CommittedCheckpointExists()
    {
        var store = NewStore();
        var key = StoreTestData.Key();
        await StoreTestData.CommitFakeAsync(store, key);

        var error = Assert.Throws<CheckpointAlreadyExistsException>(() => store.Begin(key));

        Assert.Equal(key, error.Key);
    }

    [Fact]
    public async Task Commit_Should_Refuse_When_SameKeyCommittedMeanwhile()
    {
        var store = NewStore();
        var key = StoreTestData.Key();
        using var first = store.Begin(key);
        using var second = store.Begin(key);
        StoreTestData.WriteFakeDump(first);
        StoreTestData.WriteFakeDump(second, pagesBytes: 10);
        await store.CommitAsync(first, StoreTestData.Manifest(key), CancellationToken.None);

        await Assert.ThrowsAsync<CheckpointAlreadyExistsException>(() => store.CommitAsync(second, StoreTestData.Manifest(key), CancellationToken.None));

        Assert.Equal(3 * 1024 * 1024 + 123, new FileInfo(Path.Combine(store.Find(key)!.ImagesDirectory, "pages-1.img")).Length);
        store.Abandon(second);
        Assert.False(Directory.Exists(second.Directory));
    }

    [Fact]
    public async Task Commit_Should_CommitNothing_When_CancelledBeforeTheRename()
    {
        var store = NewStore();
        var key = StoreTestData.Key();
        using var pending = store.Begin(key);
        StoreTestData.WriteFakeDump(pending);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.CommitAsync(pending, StoreTestData.Manifest(key), cancelled.Token));

        Assert.Null(store.Find(key));
        Assert.Empty(store.List());
        Assert.False(pending.IsCommitted);
        store.Abandon(pending);
        Assert.False(Directory.Exists(pending.Directory));
    }

    [Fact]
    public async Task Commit_Should_Refuse_When_TreeHoldsASymbolicLink()
    {
        var store = NewStore();
        var key = StoreTestData.Key();
        using var pending = store.Begin(key);
        StoreTestData.WriteFakeDump(pending);
        File.CreateSymbolicLink(Path.Combine(pending.ImagesDirectory, "evil.img"), "/etc/shadow");
        var shadowMode = File.GetUnixFileMode("/etc/shadow");

        await Assert.ThrowsAsync<CheckpointStoreException>(() => store.CommitAsync(pending, StoreTestData.Manifest(key), CancellationToken.None));

        Assert.Equal(shadowMode, File.GetUnixFileMode("/etc/shadow"));
        Assert.Null(store.Find(key));
    }

    [Fact]
    public async Task Commit_Should_Refuse_When_ManifestKeyDiffers()
    {
        var store = NewStore();
        using var pending = store.Begin(StoreTestData.Key("one"));

        await Assert.ThrowsAsync<ArgumentException>(() => store.CommitAsync(pending, StoreTestData.Manifest(StoreTestData.Key("two")), CancellationToken.None));
    }

    [Fact]
    public void Abandon_Should_RemoveTemporaryDirectory_When_Called()
    {
        var store = NewStore();
        var pending = store.Begin(StoreTestData.Key());
        StoreTestData.WriteFakeDump(pending);

        store.Abandon(pending);
        store.Abandon(pending);

        Assert.False(Directory.Exists(pending.Directory));
        Assert.Empty(TemporaryEntries());
    }

    [Fact]
    public void Dispose_Should_AbandonPendingCheckpoint_When_NotCommitted()
    {
        var store = NewStore();
        var pending = store.Begin(StoreTestData.Key());
        StoreTestData.WriteFakeDump(pending);

        pending.Dispose();

        Assert.False(Directory.Exists(pending.Directory));
    }

    [Fact]
    public void RecoverAbandoned_Should_RemoveLeftoversOfAKilledAgent_When_StoreReopens()
    {
        var killedAgent = NewStore();
        var first = killedAgent.Begin(StoreTestData.Key("first"));
        var second = killedAgent.Begin(StoreTestData.Key("second"));
        StoreTestData.WriteFakeDump(first);
        StoreTestData.WriteFakeDump(second);
        File.WriteAllText(Path.Combine(root, ".tmp", Owner, "stray-file"), "x");
        var restarted = NewStore();

        var removed = restarted.RecoverAbandoned();

        Assert.Equal(3, removed);
        Assert.Empty(TemporaryEntries());
        Assert.Empty(restarted.List());
    }

    [Fact]
    public void RecoverAbandoned_Should_KeepAnInterruptedPullForTheNextToResume_And_RemoveItOnceOlderThanPullsAreKept()
    {
        var stoppedAgent = NewStore();
        var key = StoreTestData.Key("pulled");
        var pull = stoppedAgent.BeginPull(key, out var firstResumed);
        File.WriteAllText(Path.Combine(pull.ImagesDirectory, "pages-1.img"), "landed");
        stoppedAgent.Suspend(pull);
        var restarted = NewStore();

        var removedAtRestart = restarted.RecoverAbandoned();
        using var resumed = restarted.BeginPull(key, out var secondResumed);
        var landed = File.ReadAllText(Path.Combine(resumed.ImagesDirectory, "pages-1.img"));
        restarted.Suspend(resumed);
        Directory.SetLastWriteTimeUtc(resumed.Directory, DateTime.UtcNow - TimeSpan.FromHours(25));
        var removedWhenOld = NewStore().RecoverAbandoned();

        Assert.False(firstResumed);
        Assert.Equal(0, removedAtRestart);
        Assert.True(secondResumed);
        Assert.Equal("landed", landed);
        Assert.Equal(1, removedWhenOld);
        Assert.Empty(TemporaryEntries());
    }

    [Fact]
    public void RecoverAbandoned_Should_SpareCheckpointsInProgress_When_CalledOnTheSameStore()
    {
        var store = NewStore();
        using var pending = store.Begin(StoreTestData.Key());

        var removed = store.RecoverAbandoned();

        Assert.Equal(0, removed);
        Assert.True(Directory.Exists(pending.ImagesDirectory));
    }

    [Fact]
    public void RecoverAbandoned_Should_SpareAnotherNodesWorkInProgress_When_VolumeIsShared()
    {
        var nodeA = NewStore("node-a");
        using var pending = nodeA.Begin(StoreTestData.Key());
        StoreTestData.WriteFakeDump(pending);
        var nodeB = NewStore("node-b.example");

        var removedWhileFresh = nodeB.RecoverAbandoned();
        Directory.SetLastWriteTimeUtc(pending.Directory, DateTime.UtcNow - TimeSpan.FromDays(2));
        var removedOnceStale = nodeB.RecoverAbandoned();

        Assert.Equal(0, removedWhileFresh);
        Assert.Equal(1, removedOnceStale);
        Assert.False(Directory.Exists(pending.Directory));
    }

    [Theory]
    [InlineData("Node-A")]
    [InlineData("../x")]
    [InlineData("a/b")]
    public void Constructor_Should_Refuse_When_OwnerIdIsNotAPathSafeName(string owner)
    {
        var error = Assert.Throws<ArgumentException>(() => NewStore(owner));

        Assert.Contains("OwnerId", error.Message);
    }

    [Fact]
    public async Task Delete_Should_RemoveCheckpoint_When_Committed()
    {
        var store = NewStore();
        var key = StoreTestData.Key();
        var other = StoreTestData.Key("other");
        var stored = await StoreTestData.CommitFakeAsync(store, key);
        await StoreTestData.CommitFakeAsync(store, other);

        var deleted = store.Delete(key);
        var deletedAgain = store.Delete(key);

        Assert.True(deleted);
        Assert.False(deletedAgain);
        Assert.False(Directory.Exists(stored.Directory));
        Assert.Null(store.Find(key));
        Assert.Equal([other], store.List().Select(c => c.Key));
        Assert.Empty(TemporaryEntries());
    }

    [Fact]
    public async Task Delete_Should_NeverLeaveAHalfDeletedCheckpointListed_When_RemovalFailsMidway()
    {
        var store = NewStore();
        var key = StoreTestData.Key();
        var stored = await StoreTestData.CommitFakeAsync(store, key);

        // An immutable file cannot be unlinked even by root: the recursive delete fails part-way.
        var stuckName = "pages-2.img";
        await Command.OutputAsync("chattr", "+i", Path.Combine(stored.ImagesDirectory, stuckName));
        try
        {
            Assert.ThrowsAny<Exception>(() => store.Delete(key));

            Assert.Empty(store.List());
            Assert.Null(store.Find(key));
            var leftover = Assert.Single(Directory.GetFiles(Path.Combine(root, ".tmp"), stuckName, SearchOption.AllDirectories));

            // A restarted agent removes what it can and reports what it cannot.
            var abandoned = NewStore().Begin(StoreTestData.Key("abandoned"));
            var stuck = Assert.Throws<AbandonedEntriesRemainException>(() => NewStore().RecoverAbandoned());
            Assert.Equal(1, stuck.Removed);
            Assert.False(Directory.Exists(abandoned.Directory));
            Assert.Equal(leftover, Path.Combine(Assert.Single(stuck.Remaining), "images", stuckName));

            await Command.OutputAsync("chattr", "-i", leftover);
            Assert.Equal(1, NewStore().RecoverAbandoned());
            Assert.Empty(TemporaryEntries());
        }
        finally
        {
            foreach (var file in Directory.GetFiles(root, stuckName, SearchOption.AllDirectories))
            {
                await Command.OutputAsync("chattr", "-i", file);
            }
        }
    }

    [Fact]
    public async Task List_Should_SkipDirectories_When_ManifestMissingOrForAnotherKey()
    {
        var store = NewStore();
        var key = StoreTestData.Key();
        var stored = await StoreTestData.CommitFakeAsync(store, key);
        Directory.CreateDirectory(Path.Combine(root, "default", "no-manifest-1"));
        var impostor = Path.Combine(root, "default", "impostor-1");
        Directory.CreateDirectory(impostor);
        File.Copy(stored.ManifestPath, Path.Combine(impostor, "manifest.json"));

        var listed = store.List();

        Assert.Equal([key], listed.Select(c => c.Key));
    }

    [Fact]
    public async Task FindByName_Should_ReturnOnlyThatName_When_AnotherNameStartsWithIt()
    {
        var store = NewStore();
        var warm = StoreTestData.Key("warm", "11111111-1111-1111-1111-111111111111");
        var warmAgain = StoreTestData.Key("warm", "22222222-2222-2222-2222-222222222222");
        var warmJvm = StoreTestData.Key("warm-jvm", "33333333-3333-3333-3333-333333333333");
        foreach (var key in new[] { warm, warmAgain, warmJvm })
        {
            await StoreTestData.CommitFakeAsync(store, key);
        }

        Assert.Equal([warm, warmAgain], store.FindByName("default", "warm").Select(c => c.Key));
        Assert.Equal([warmJvm], store.FindByName("default", "warm-jvm").Select(c => c.Key));
        Assert.Empty(store.FindByName("default", "war"));
    }

    [Fact]
    public async Task List_Should_ShowCheckpoint_When_WrittenByANewerAgent()
    {
        var store = NewStore();
        var key = StoreTestData.Key();
        var stored = await StoreTestData.CommitFakeAsync(store, key);
        var json = await File.ReadAllTextAsync(stored.ManifestPath);
        var newer = CheckpointManifest.CurrentSchemaVersion + 1;
        await File.WriteAllTextAsync(stored.ManifestPath, json.Replace("\"schemaVersion\": 2", $"\"schemaVersion\": {newer}"));

        var listed = Assert.Single(NewStore().List());

        Assert.Equal(key, listed.Key);
        var error = Assert.Throws<UnsupportedManifestVersionException>(() => listed.Manifest);
        Assert.Equal(newer, error.FoundVersion);
    }

    [Fact]
    public void List_Should_RejectNamespace_When_Invalid()
    {
        var store = NewStore();

        Assert.Throws<InvalidCheckpointNameException>(() => store.List("../x"));
        Assert.Throws<InvalidCheckpointNameException>(() => store.FindByName("default", "/etc"));
    }

    [Fact]
    public void GetSpace_Should_ReportTheFileSystem_When_Asked()
    {
        var store = NewStore();

        var space = store.GetSpace();

        Assert.True(space.TotalBytes > 0);
        Assert.InRange(space.AvailableBytes, 0, space.TotalBytes);
    }

    [Fact]
    public void Constructor_Should_Refuse_When_RootIsRelative()
    {
        Assert.Throws<ArgumentException>(() => new ImageStore(new ImageStoreOptions { RootDirectory = "relative/store" }));
    }

    private ImageStore NewStore(string owner = Owner) => new(new ImageStoreOptions { RootDirectory = root, OwnerId = owner });

    private IEnumerable<string> TemporaryEntries() => Directory.EnumerateFileSystemEntries(Path.Combine(root, ".tmp", Owner));

    private static async Task<string> StatAsync(params string[] arguments) => (await Command.OutputAsync("stat", arguments)).Trim();
}
