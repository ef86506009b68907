using Cryo.Agent.Filesystem;

namespace Cryo.Agent.Tests.Filesystem;

/// <summary>Finding a container's overlay upper layer from its init process's mountinfo.</summary>
public sealed class OverlayRootTests : IDisposable
{
    private readonly TempDirectory _scratch = new();
    private OverlayMount? _mount;

    public void Dispose()
    {
        _mount?.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public void Find_Should_ReturnUpperDir_When_ProcessRootIsAnOverlay()
    {
        var lower = Directory.CreateDirectory(_scratch.Combine("lower")).FullName;
        _mount = new OverlayMount(lower, Directory.CreateDirectory(_scratch.Combine("container")).FullName);
        using var init = ChrootedProcess.Start(_mount.Merged);

        var root = OverlayRoot.Find(init.Pid);

        Assert.Equal(_mount.Upper, root.UpperDir);
        Assert.Equal(_mount.Work, root.WorkDir);
        Assert.Equal([lower], root.LowerDirs);
    }

    [Fact]
    public void Find_Should_ThrowUnsupported_When_ProcessRootIsNotAnOverlay()
    {
        var plain = Directory.CreateDirectory(_scratch.Combine("plain-root")).FullName;
        using var init = ChrootedProcess.Start(plain);

        var error = Assert.Throws<WritableLayerUnsupportedException>(() => OverlayRoot.Find(init.Pid));

        Assert.Contains("not an overlay", error.Message, StringComparison.Ordinal);
        Assert.Contains("without the writable layer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryFind_Should_UseTheTopmostRootMountAndUnescapePaths_When_GivenContainerdMountinfo()
    {
        const string mountinfo =
            "1 0 253:1 / / rw,relatime - ext4 /dev/vda rw\n" +
            "2000 1990 0:512 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/var/lib/snap/2/fs:/var/lib/snap/1/fs," +
            "upperdir=/var/lib/snap/3/my\\040fs,workdir=/var/lib/snap/3/work\n" +
            "2001 2000 0:513 / /proc rw,nosuid - proc proc rw\n";

        var found = OverlayRoot.TryFind(mountinfo, out var root);

        Assert.True(found);
        Assert.Equal("/var/lib/snap/3/my fs", root!.UpperDir);
        Assert.Equal(["/var/lib/snap/2/fs", "/var/lib/snap/1/fs"], root.LowerDirs);
    }
}
