namespace Cryo.Agent.Tests.Containers;

public sealed class MountAnalysisTests
{
    // The node's view, shaped like a containerd node: the rootfs overlay, the sandbox's shm and a volume dir.
    private static readonly IReadOnlyList<MountInfo> Host = MountInfo.ParseAll(
        """
        27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
        22 27 0:21 / /proc rw,relatime - proc proc rw
        23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        90 27 0:50 / /run/containerd/io.containerd.runtime.v2.task/k8s.io/c1/rootfs rw - overlay overlay rw,upperdir=/u,workdir=/w
        91 27 0:60 / /run/containerd/io.containerd.grpc.v1.cri/sandboxes/s1/shm rw - tmpfs shm rw,size=65536k
        """);

    private static readonly IReadOnlyList<MountInfo> Container = MountInfo.ParseAll(
        """
        200 100 0:50 / / rw - overlay overlay rw,upperdir=/u,workdir=/w
        201 200 0:70 / /proc rw - proc proc rw
        202 200 0:71 / /dev rw - tmpfs tmpfs rw,mode=755
        203 202 0:72 / /dev/pts rw - devpts devpts rw
        204 202 0:73 / /dev/mqueue rw - mqueue mqueue rw
        205 200 0:22 / /sys ro - sysfs sysfs ro
        206 205 0:36 /kubepods/besteffort/podx/c1 /sys/fs/cgroup/pids ro - cgroup cgroup rw,pids
        207 200 254:0 /var/lib/kubelet/pods/x/volumes/kubernetes.io~empty-dir/data /data rw - ext4 /dev/vda rw
        208 200 254:0 /var/lib/containerd/sandboxes/s1/hosts /etc/hosts rw - ext4 /dev/vda rw
        209 202 0:60 / /dev/shm rw - tmpfs shm rw,size=65536k
        210 200 0:50 /etc /mnt/own-bind rw - overlay overlay rw
        """);

    [Fact]
    public void FindExternalMounts_Should_DeclareVolumesHostsShmAndCgroups_When_ShapedLikeAPod()
    {
        var external = MountAnalysis.FindExternalMounts(Container, Host).ToDictionary(e => e.MountPoint);

        Assert.Equal(["/sys/fs/cgroup/pids", "/data", "/etc/hosts", "/dev/shm"], external.Keys);
        Assert.Equal(ExternalMountKind.CgroupHierarchy, external["/sys/fs/cgroup/pids"].Kind);
        Assert.Equal("/var/lib/kubelet/pods/x/volumes/kubernetes.io~empty-dir/data", external["/data"].HostPath);
        Assert.Equal("/run/containerd/io.containerd.grpc.v1.cri/sandboxes/s1/shm", external["/dev/shm"].HostPath);
        Assert.Equal(ExternalMountKind.FromHost, external["/dev/shm"].Kind);
    }

    [Fact]
    public void MapToHost_Should_FindOverlayRoot_When_HostMountsSameDevice()
    {
        var root = MountAnalysis.FindRootMount(Container)!;

        Assert.Equal("/run/containerd/io.containerd.runtime.v2.task/k8s.io/c1/rootfs", MountAnalysis.MapToHost(root, Host));
    }

    [Fact]
    public void MapToHost_Should_ReturnNull_When_HostDoesNotMountTheFilesystem()
    {
        var devTmpfs = Container.Single(m => m.MountPoint == "/dev");

        Assert.Null(MountAnalysis.MapToHost(devTmpfs, Host));
    }

    [Theory]
    [InlineData("/a/b", "/a", true)]
    [InlineData("/a", "/a", true)]
    [InlineData("/ab", "/a", false)]
    [InlineData("/x", "/", true)]
    public void IsWithin_Should_CompareWholePathComponents(string path, string directory, bool expected)
    {
        Assert.Equal(expected, MountAnalysis.IsWithin(path, directory));
    }
}
