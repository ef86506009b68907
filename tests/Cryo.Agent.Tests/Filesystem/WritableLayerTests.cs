using System.Formats.Tar;
using System.Net.Sockets;
using Cryo.Agent.Filesystem;

namespace Cryo.Agent.Tests.Filesystem;

/// <summary>
/// Writable-layer capture and apply on real overlay mounts: two "containers" share one read-only lower
/// directory, each with its own upper layer, as containerd mounts them.
/// </summary>
public sealed class WritableLayerTests : IDisposable
{
    private const string PreciseTime = "1700000000.123456789";

    private readonly TempDirectory _scratch = new();
    private readonly List<OverlayMount> _mounts = [];
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    private CancellationToken Token => _timeout.Token;

    public void Dispose()
    {
        foreach (var mount in Enumerable.Reverse(_mounts))
        {
            mount.Dispose();
        }

        _scratch.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Apply_Should_ReproduceCreatedChangedAndDeletedFiles_When_TargetUpperIsEmpty()
    {
        var lower = CreateLower();
        var lowerBefore = Snapshot(lower);
        var source = Mount(lower, "source");
        var target = Mount(lower, "target");
        using var socket = MakeChanges(source.Merged);
        var archive = _scratch.Combine("layer.tar");

        var capture = await WritableLayer.CaptureAsync(source.Upper, archive, Token);
        var applied = await WritableLayer.ApplyAsync(archive, target.Merged, Token);

        var root = target.Merged;
        Assert.Equal("created", File.ReadAllText(Path.Join(root, "new.txt")));
        Assert.Equal("new", File.ReadAllText(Path.Join(root, "change.txt")));
        Assert.False(File.Exists(Path.Join(root, "delete.txt")));
        Assert.Equal("keep", File.ReadAllText(Path.Join(root, "keep.txt")));
        Assert.Equal(["fresh"], Directory.GetFileSystemEntries(Path.Join(root, "opaque")).Select(Path.GetFileName));
        Assert.Equal("new.txt", new FileInfo(Path.Join(root, "link")).LinkTarget);
        Assert.Equal(PathStatus.Of(Path.Join(root, "new.txt")).Inode, PathStatus.Of(Path.Join(root, "new-hard")).Inode);
        Assert.Equal("fifo", PathStatus.Of(Path.Join(root, "pipe")).Type);
        Assert.False(File.Exists(Path.Join(root, "sock")));
        Assert.False(File.Exists(Path.Join(root, "null")));
        Assert.Equal(lowerBefore, Snapshot(lower));
        Assert.Equal("character special file", PathStatus.Of(Path.Join(target.Upper, "delete.txt")).Type);
        Assert.Contains(capture.Skipped, s => s.Path == "sock" && s.Reason.Contains("socket", StringComparison.Ordinal));
        Assert.Contains(capture.Skipped, s => s.Path == "null" && s.Reason.Contains("device node 1:3", StringComparison.Ordinal));
        Assert.Equal(1, capture.Whiteouts);
        Assert.Equal(1, capture.OpaqueDirectories);
        Assert.Equal(1, applied.Deleted);
        Assert.Equal(1, applied.OpaqueDirectories);
    }

    [Fact]
    public async Task Apply_Should_PreserveOwnersModesTimesAndAttributes_When_Applied()
    {
        var lower = CreateLower();
        var source = Mount(lower, "source");
        var target = Mount(lower, "target");
        using var socket = MakeChanges(source.Merged);
        var archive = _scratch.Combine("layer.tar");

        await WritableLayer.CaptureAsync(source.Upper, archive, Token);
        await WritableLayer.ApplyAsync(archive, target.Merged, Token);

        foreach (var path in new[] { "new.txt", "private", "private/secret", "link", "change.txt", "pipe" })
        {
            // Access times are compared below only where the test set them: capture reads the source's files.
            Assert.Equal(
                PathStatus.Of(Path.Join(source.Merged, path)) with { Inode = 0, AccessTime = "" },
                PathStatus.Of(Path.Join(target.Merged, path)) with { Inode = 0, AccessTime = "" });
        }

        var file = PathStatus.Of(Path.Join(target.Merged, "new.txt"));
        Assert.Equal((1234, 5678, "4750", PreciseTime, PreciseTime), (file.Uid, file.Gid, file.Mode, file.ModificationTime, file.AccessTime));
        var directory = PathStatus.Of(Path.Join(target.Merged, "private"));
        Assert.Equal((42, 43, "700", PreciseTime), (directory.Uid, directory.Gid, directory.Mode, directory.ModificationTime));
        Assert.Equal("yes", ExtendedAttribute.Get(Path.Join(target.Merged, "new.txt"), "user.cryo"));
        Assert.Equal("kept", ExtendedAttribute.Get(Path.Join(target.Merged, "new.txt"), "trusted.cryo"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Apply_Should_RefuseWholeArchive_When_AnEntryNameClimbsOutOfTheRoot(bool restPassAlone)
    {
        var root = Directory.CreateDirectory(_scratch.Combine("root", "inner")).FullName;
        var archive = await WriteArchiveAsync(
            Entry(TarEntryType.RegularFile, "harmless.txt"),
            Entry(TarEntryType.RegularFile, "../escape"));
        // The second pass of a split skips the names' check only for an archive its first pass checked.
        var options = new WritableLayerApplyOptions { Pass = restPassAlone ? new LayerSplit(["/needed"]).Rest : null };

        var error = await Assert.ThrowsAsync<UnsafeArchiveEntryException>(() => WritableLayer.ApplyAsync(archive, root, options, Token));

        Assert.Equal("../escape", error.EntryName);
        Assert.False(File.Exists(_scratch.Combine("root", "escape")));
        Assert.False(File.Exists(Path.Join(root, "harmless.txt")));
    }

    [Fact]
    public async Task Apply_Should_Refuse_When_AnEntryNameIsAbsolute()
    {
        var root = Directory.CreateDirectory(_scratch.Combine("root")).FullName;
        var outside = _scratch.Combine("absolute-escape");
        var archive = await WriteArchiveAsync(Entry(TarEntryType.RegularFile, outside));

        await Assert.ThrowsAsync<UnsafeArchiveEntryException>(() => WritableLayer.ApplyAsync(archive, root, Token));

        Assert.False(File.Exists(outside));
    }

    [Fact]
    public async Task Apply_Should_Refuse_When_ASymlinkOnTheEntrysPathLeadsOutside()
    {
        var root = Directory.CreateDirectory(_scratch.Combine("a", "b", "root")).FullName;
        var outside = Directory.CreateDirectory(_scratch.Combine("outside")).FullName;
        var link = Entry(TarEntryType.SymbolicLink, "link");
        link.LinkName = "../../../outside";
        var archive = await WriteArchiveAsync(link, Entry(TarEntryType.RegularFile, "link/escaped"));

        var error = await Assert.ThrowsAsync<UnsafeArchiveEntryException>(() => WritableLayer.ApplyAsync(archive, root, Token));

        Assert.Equal("link/escaped", error.EntryName);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public async Task Apply_Should_ResolveAbsoluteSymlinksInsideTheRoot_When_OnTheEntrysPath()
    {
        var root = Directory.CreateDirectory(_scratch.Combine("root")).FullName;
        var outside = Directory.CreateDirectory(_scratch.Combine("outside")).FullName;
        var link = Entry(TarEntryType.SymbolicLink, "abs");
        link.LinkName = outside;
        var archive = await WriteArchiveAsync(link, Entry(TarEntryType.RegularFile, "abs/file"));

        await WritableLayer.ApplyAsync(archive, root, Token);

        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.True(File.Exists(Path.Join(root, outside, "file")));
    }

    [Fact]
    public async Task Apply_Should_ResolveTheNextEntrysDirectoryAgain_When_AnEntryReplacedItBySymlink()
    {
        // Arrange: "dir/a" is written into a directory, which the next entry replaces by an absolute symlink; "dir/b"
        // must go where the symlink leads inside the root, not through the host's view of it (outside the root).
        var root = Directory.CreateDirectory(_scratch.Combine("root")).FullName;
        var outside = Directory.CreateDirectory(_scratch.Combine("outside")).FullName;
        var link = Entry(TarEntryType.SymbolicLink, "dir");
        link.LinkName = outside;
        var archive = await WriteArchiveAsync(Entry(TarEntryType.RegularFile, "dir/a"), link, Entry(TarEntryType.RegularFile, "dir/b"));

        // Act
        await WritableLayer.ApplyAsync(archive, root, Token);

        // Assert
        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Equal(outside, new FileInfo(Path.Join(root, "dir")).LinkTarget);
        Assert.True(File.Exists(Path.Join(root, outside, "b")));
    }

    [Fact]
    public async Task Apply_Should_LeaveTargetMountPointsAlone_When_TheyAreListed()
    {
        var lower = CreateLower();
        var source = Mount(lower, "source");
        var target = Mount(lower, "target");
        // What runc leaves in a container's upper layer for its bind mounts: empty files and directories.
        File.WriteAllText(Path.Join(source.Merged, "etc", "hosts"), string.Empty);
        Directory.CreateDirectory(Path.Join(source.Merged, "data"));
        File.WriteAllText(Path.Join(source.Merged, "data", "under-mount"), "x");
        var archive = _scratch.Combine("layer.tar");
        await WritableLayer.CaptureAsync(source.Upper, archive, Token);

        var applied = await WritableLayer.ApplyAsync(
            archive, target.Merged, new WritableLayerApplyOptions { TargetMountPoints = ["/", "/etc/hosts", "/data"] }, Token);

        Assert.Equal("lower hosts", File.ReadAllText(Path.Join(target.Merged, "etc", "hosts")));
        Assert.False(Directory.Exists(Path.Join(target.Merged, "data")));
        Assert.Contains(applied.Skipped, s => s.Path == "etc/hosts");
        Assert.Contains(applied.Skipped, s => s.Path == "data/under-mount");
    }

    [Fact]
    public async Task Apply_Should_WriteWhatIsNeededFirstAndTheRestAfter_When_SplitAroundTheNeededPaths()
    {
        var lower = CreateLower();
        var source = Mount(lower, "source");
        var whole = Mount(lower, "whole");
        var target = Mount(lower, "target");
        using var socket = MakeChanges(source.Merged);
        var archive = _scratch.Combine("layer.tar");
        await WritableLayer.CaptureAsync(source.Upper, archive, Token);
        await WritableLayer.ApplyAsync(archive, whole.Merged, Token);
        // What a restored tree opens by name: a file in an opaque directory, a hard link (whose file comes with it) and a
        // file in a private directory.
        var split = new LayerSplit(["/opaque/fresh", "/new.txt", "/private/secret", "/keep.txt"]);
        var root = target.Merged;

        await WritableLayer.ApplyAsync(archive, root, new WritableLayerApplyOptions { Pass = split.First }, Token);

        Assert.Equal(["fresh"], Directory.GetFileSystemEntries(Path.Join(root, "opaque")).Select(Path.GetFileName));
        Assert.Equal("created", File.ReadAllText(Path.Join(root, "new.txt")));
        Assert.Equal(PathStatus.Of(Path.Join(root, "new.txt")).Inode, PathStatus.Of(Path.Join(root, "new-hard")).Inode);
        Assert.Equal("s", File.ReadAllText(Path.Join(root, "private", "secret")));
        Assert.Equal("old", File.ReadAllText(Path.Join(root, "change.txt")));
        Assert.True(File.Exists(Path.Join(root, "delete.txt")));
        Assert.False(File.Exists(Path.Join(root, "link")) || File.Exists(Path.Join(root, "pipe")));

        await WritableLayer.ApplyAsync(archive, root, new WritableLayerApplyOptions { Pass = split.Rest }, Token);

        // Both passes leave the root as one pass would: the opaque directory was not emptied again, the directories'
        // owners, modes and times are the archive's although the second pass wrote into them.
        Assert.Equal(Snapshot(whole.Merged), Snapshot(root));
        Assert.Equal("new", File.ReadAllText(Path.Join(root, "change.txt")));
        Assert.False(File.Exists(Path.Join(root, "delete.txt")));
    }

    [Fact]
    public async Task Capture_Should_ThrowUnsupported_When_UpperHoldsMetacopyFiles()
    {
        // With metacopy=on a copied-up file's data stays in the lower layer: the upper alone would lose it.
        var upper = Directory.CreateDirectory(_scratch.Combine("upper")).FullName;
        var file = Path.Join(upper, "big.bin");
        File.WriteAllText(file, string.Empty);
        ExtendedAttribute.Set(file, "trusted.overlay.metacopy", string.Empty);

        var error = await Assert.ThrowsAsync<WritableLayerUnsupportedException>(
            () => WritableLayer.CaptureAsync(upper, _scratch.Combine("layer.tar"), Token));

        Assert.Contains("big.bin", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_scratch.Combine("layer.tar")));
    }

    [Fact]
    public async Task Capture_Should_ThrowDirectoryNotFound_When_UpperDirIsMissing()
    {
        await Assert.ThrowsAsync<DirectoryNotFoundException>(
            () => WritableLayer.CaptureAsync(_scratch.Combine("no-such-upper"), _scratch.Combine("layer.tar"), Token));
    }

    private OverlayMount Mount(string lower, string name)
    {
        var mount = new OverlayMount(lower, Directory.CreateDirectory(_scratch.Combine(name)).FullName);
        _mounts.Add(mount);
        return mount;
    }

    private string CreateLower()
    {
        var lower = Directory.CreateDirectory(_scratch.Combine("lower")).FullName;
        File.WriteAllText(Path.Join(lower, "keep.txt"), "keep");
        File.WriteAllText(Path.Join(lower, "change.txt"), "old");
        File.WriteAllText(Path.Join(lower, "delete.txt"), "doomed");
        Directory.CreateDirectory(Path.Join(lower, "opaque"));
        File.WriteAllText(Path.Join(lower, "opaque", "old1"), "1");
        File.WriteAllText(Path.Join(lower, "opaque", "old2"), "2");
        Directory.CreateDirectory(Path.Join(lower, "etc"));
        File.WriteAllText(Path.Join(lower, "etc", "hosts"), "lower hosts");
        return lower;
    }

    /// <summary>
    /// What a workload does to its root filesystem, through the merged view. Returns the listening socket
    /// (.NET removes a socket's file when the socket is closed).
    /// </summary>
    private static Socket MakeChanges(string root)
    {
        var created = Path.Join(root, "new.txt");
        File.WriteAllText(created, "created");
        Command.Run("chown", "1234:5678", created);
        Command.Run("chmod", "4750", created);
        ExtendedAttribute.Set(created, "user.cryo", "yes");
        ExtendedAttribute.Set(created, "trusted.cryo", "kept");
        Command.Run("ln", created, Path.Join(root, "new-hard"));
        File.CreateSymbolicLink(Path.Join(root, "link"), "new.txt");
        Command.Run("touch", "-h", "-d", "@" + PreciseTime, created, Path.Join(root, "link"));

        File.WriteAllText(Path.Join(root, "change.txt"), "new");
        File.Delete(Path.Join(root, "delete.txt"));
        Directory.Delete(Path.Join(root, "opaque"), recursive: true);
        Directory.CreateDirectory(Path.Join(root, "opaque"));
        File.WriteAllText(Path.Join(root, "opaque", "fresh"), "fresh");

        var secret = Directory.CreateDirectory(Path.Join(root, "private")).FullName;
        File.WriteAllText(Path.Join(secret, "secret"), "s");
        Command.Run("chown", "-R", "42:43", secret);
        Command.Run("chmod", "700", secret);
        Command.Run("touch", "-d", "@" + PreciseTime, secret);

        Command.Run("mkfifo", Path.Join(root, "pipe"));
        Command.Run("mknod", Path.Join(root, "null"), "c", "1", "3");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Join(root, "sock")));
        return socket;
    }

    /// <summary>Every path under a directory with its content and metadata (not access times, which reading moves).</summary>
    // Inodes left out, so that two roots can be set side by side; only regular files are read (a FIFO would block).
    private static List<string> Snapshot(string directory) =>
        Directory.EnumerateFileSystemEntries(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Order(StringComparer.Ordinal)
            .Select(p => (Path: p, Status: PathStatus.Of(p)))
            .Select(e => $"{Path.GetRelativePath(directory, e.Path)} {e.Status with { AccessTime = "", Inode = 0 }} {(e.Status.Type.StartsWith("regular", StringComparison.Ordinal) ? File.ReadAllText(e.Path) : "")}")
            .ToList();

    private static PaxTarEntry Entry(TarEntryType type, string name) => new(type, name);

    private async Task<string> WriteArchiveAsync(params PaxTarEntry[] entries)
    {
        var path = _scratch.Combine($"crafted-{Guid.NewGuid():N}.tar");
        await using var stream = File.Create(path);
        await using var writer = new TarWriter(stream, TarEntryFormat.Pax);
        foreach (var entry in entries)
        {
            await writer.WriteEntryAsync(entry, Token);
        }

        return path;
    }
}
