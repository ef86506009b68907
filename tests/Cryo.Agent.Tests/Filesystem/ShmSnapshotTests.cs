using Cryo.Agent.Filesystem;

namespace Cryo.Agent.Tests.Filesystem;

/// <summary>/dev/shm contents carried between two real tmpfs mounts.</summary>
public sealed class ShmSnapshotTests : IDisposable
{
    private readonly TempDirectory _scratch = new();
    private readonly List<string> _mounts = [];
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    private CancellationToken Token => _timeout.Token;

    public void Dispose()
    {
        foreach (var mount in _mounts)
        {
            Command.Run("umount", "--lazy", mount);
        }

        _scratch.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Restore_Should_ReproduceSegmentsWithMetadata_When_TargetShmIsEmpty()
    {
        var source = Tmpfs("source-shm");
        var target = Tmpfs("target-shm");
        var segment = Path.Join(source, "cryo-segment");
        await File.WriteAllBytesAsync(segment, Enumerable.Range(0, 70_000).Select(i => (byte)i).ToArray(), Token);
        Command.Run("chown", "1000:1000", segment);
        Command.Run("chmod", "600", segment);
        Command.Run("touch", "-d", "@1700000000.5", segment);
        Directory.CreateDirectory(Path.Join(source, "dir"));
        await File.WriteAllTextAsync(Path.Join(source, "dir", ".wh.not-a-whiteout"), "plain file here", Token);
        File.CreateSymbolicLink(Path.Join(source, "sem.link"), "cryo-segment");
        var archive = _scratch.Combine("shm.tar");

        var capture = await ShmSnapshot.CaptureAsync(source, archive, Token);
        await ShmSnapshot.RestoreAsync(archive, target, Token);

        Assert.Equal(await File.ReadAllBytesAsync(segment, Token), await File.ReadAllBytesAsync(Path.Join(target, "cryo-segment"), Token));
        Assert.Equal(PathStatus.Of(segment) with { Inode = 0, AccessTime = "" }, PathStatus.Of(Path.Join(target, "cryo-segment")) with { Inode = 0, AccessTime = "" });
        Assert.Equal("plain file here", await File.ReadAllTextAsync(Path.Join(target, "dir", ".wh.not-a-whiteout"), Token));
        Assert.Equal("cryo-segment", new FileInfo(Path.Join(target, "sem.link")).LinkTarget);
        Assert.Equal(4, capture.Entries);
        Assert.Empty(capture.Skipped);
    }

    private string Tmpfs(string name)
    {
        var path = Directory.CreateDirectory(_scratch.Combine(name)).FullName;
        Command.Run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", path);
        _mounts.Add(path);
        return path;
    }
}
