namespace Cryo.Agent.Tests.Containers;

public sealed class MountSharingTests
{
    private static readonly IReadOnlyList<MountInfo> Mounts = MountInfo.ParseAll("""
        26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
        30 26 0:40 / /sys/fs/cgroup rw master:5 - tmpfs tmpfs rw
        40 26 254:0 /srv/vol /srv/vol rw,relatime - ext4 /dev/vda rw
        41 26 254:0 /srv/other /srv/vol rw,relatime shared:9 - ext4 /dev/vda rw
        """);

    [Theory]
    [InlineData("/sys/fs/cgroup/pids/kubepods", 30)]
    [InlineData("/sys/fs/cgroupx", 26)]
    [InlineData("/", 26)]
    [InlineData("/srv/vol/a", 41)] // the later mount at the same place covers the earlier one
    public void Containing_Should_FindTheMountThePathLiesOn(string path, int mountId) =>
        Assert.Equal(mountId, MountSharing.Containing(Mounts, path)?.MountId);

    [Fact]
    public void Describe_Should_KeepOnlyThePropagationFields() =>
        Assert.Equal(["shared:1", "master:5", "", "shared:9"], Mounts.Select(MountSharing.Describe));

    [Fact]
    public void Propagates_Should_BeFalse_OnlyForPrivateMounts() =>
        Assert.Equal([true, true, false, true], Mounts.Select(MountSharing.Propagates));
}
