using Cryo.Agent.Restoring;
using Cryo.Agent.Tests.Store;

namespace Cryo.Agent.Tests.Restoring;

/// <summary>
/// How a restore rebuilds the tree's mounts: CRIU runs among slaves of the agent's mounts, and falls back to its
/// older mount engine exactly when a mount recorded as shared or a slave would get its source from a private mount.
/// </summary>
public sealed class RestorePlannerTests : IDisposable
{
    // The agent's mount table on a host whose / is shared (a systemd host): everything propagates.
    private const string SharedHost = """
        26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
        30 26 0:40 / /sys/fs/cgroup rw shared:5 - tmpfs tmpfs rw
        31 30 0:41 / /sys/fs/cgroup/pids rw shared:6 - cgroup cgroup rw,pids
        """;

    // The same host, but the volume's directory is a private bind (as a private host or an agent without
    // HostToContainer propagation sees it).
    private const string PrivateVolume = SharedHost + "\n40 26 254:0 /srv/vol /srv/vol rw,relatime - ext4 /dev/vda rw";

    private readonly TempDirectory root = new("cryo-planner-");

    public void Dispose() => root.Dispose();

    [Fact]
    public async Task Plan_Should_RunCriuAmongSlavesOfTheAgentsMounts_When_TheTreeHadItsOwnMountNamespace()
    {
        var checkpoint = await CommitAsync(volumePropagation: "master:6");

        var (_, launch) = RestorePlanner.Plan(checkpoint, Standalone(SharedHost), actionScript: null);

        Assert.Equal(["--mount", "--propagation", "slave"], launch.Prefix.SkipWhile(a => a != "--mount").Take(3));
        Assert.DoesNotContain("private", launch.Prefix);
    }

    // Each row: the propagation recorded for the volume's mount at dump time (null: a manifest too old to say), the agent's
    // mounts at restore, and whether CRIU must then restore mounts in compat mode.
    [Theory]
    // every source propagates: CRIU's default mount engine
    [InlineData("master:6", SharedHost, false)]
    // a mount recorded as a slave gets a private source
    [InlineData("master:6", PrivateVolume, true)]
    // dumped on a host whose / is private: nothing to copy, whatever the source is
    [InlineData("", PrivateVolume, false)]
    // an older manifest cannot say, and the source is private
    [InlineData(null, PrivateVolume, true)]
    public async Task Plan_Should_UseCompatMode_When_AMountRecordedAsASlaveMayGetAPrivateSource(string? volumePropagation, string agentMounts, bool compatMode)
    {
        var checkpoint = await CommitAsync(volumePropagation);

        var (options, _) = RestorePlanner.Plan(checkpoint, Standalone(agentMounts), actionScript: null);

        Assert.Equal(compatMode, options.MountNamespaceCompatMode);
        Assert.Equal(compatMode, options.ToArguments().Contains("--mntns-compat-mode"));
    }

    [Fact]
    public async Task Plan_Should_BindTheNodesDevNull_When_AMountWasRuncsMaskedPath()
    {
        // runc's dumps declare every masked file under the key /dev/null and record no host source for it.
        var checkpoint = await CommitAsync(volumePropagation: "", source =>
        {
            source.ExternalMounts["/dev/null"] = "/proc/keys";
            source.DevNullMountKeys = ["/dev/null"];
        });

        var (options, _) = RestorePlanner.Plan(checkpoint, Standalone(SharedHost), actionScript: null);

        Assert.Contains("mnt[/dev/null]:/dev/null", options.External);
    }

    [Fact]
    public async Task Plan_Should_RefuseSayingWhereToRestore_When_TheDumpLeftTheNetworkNamespaceExternalAndNoContainerIsGiven()
    {
        var checkpoint = await CommitAsync(volumePropagation: "", source => source.ExternalNetworkNamespaceKey = "extRootNetNS");

        var error = Assert.Throws<RestoreTargetMismatchException>(() => RestorePlanner.Plan(checkpoint, Standalone(SharedHost), actionScript: null));

        Assert.Contains("extRootNetNS", error.Message, StringComparison.Ordinal);
        Assert.Contains("restore it into a container", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_Should_MapTheUnifiedHierarchyAsTheV1Ones_When_TheHybridHostAlsoMountsCgroup2()
    {
        var checkpoint = await CommitAsync(volumePropagation: "");

        var (options, _) = RestorePlanner.Plan(checkpoint, IntoContainer(HybridTarget), actionScript: null);

        Assert.Equal(["pids:/kubepods/pod1/target", "cpu,cpuacct:/kubepods/pod1/target", "name=systemd:/kubepods/pod1/target", ":/kubepods/pod1/target"], options.CgroupRoots);
        Assert.Contains(":/kubepods/pod1/target", options.ToArguments().SkipWhile(a => a != "--cgroup-root"));
    }

    [Fact]
    public async Task Plan_Should_MapTheOneUnifiedHierarchy_When_TheHostIsPureCgroup2()
    {
        var checkpoint = await CommitAsync(volumePropagation: "");

        var (options, _) = RestorePlanner.Plan(checkpoint, IntoContainer("0::/kubepods/pod1/target\n"), actionScript: null);

        Assert.Equal([":/kubepods/pod1/target"], options.CgroupRoots);
    }

    [Fact]
    public async Task Plan_Should_MapOnlyTheV1Hierarchies_When_TheHostHasNoUnifiedHierarchy()
    {
        var checkpoint = await CommitAsync(volumePropagation: "");

        var (options, _) = RestorePlanner.Plan(checkpoint, IntoContainer("3:pids:/kubepods/pod1/target\n2:memory:/kubepods/pod1/target\n1:cpuset:/\n"), actionScript: null);

        Assert.Equal(["pids:/kubepods/pod1/target", "memory:/kubepods/pod1/target", "cpuset:/"], options.CgroupRoots);
    }

    [Fact]
    public async Task Plan_Should_MapAStandaloneCopysUnifiedCgroupUnderCriusEmptyName_When_ItsCgroupsIncludeOne()
    {
        var checkpoint = await CommitAsync(volumePropagation: "");
        var cgroups = new Dictionary<string, string> { ["pids"] = "/cryo/restore-1", [RestoreCgroups.Unified] = "/cryo/restore-1" };

        var (options, _) = RestorePlanner.Plan(checkpoint, new RestoreTarget(null, root.Combine("work"), cgroups), actionScript: null);

        Assert.Equal(["pids:/cryo/restore-1", ":/cryo/restore-1"], options.CgroupRoots);
    }

    // The target container's /proc/PID/cgroup on a v1 host whose systemd also mounts cgroup2 at /sys/fs/cgroup/unified.
    private const string HybridTarget = "3:pids:/kubepods/pod1/target\n2:cpu,cpuacct:/kubepods/pod1/target\n1:name=systemd:/kubepods/pod1/target\n0::/kubepods/pod1/target\n";

    private RestoreTarget IntoContainer(string cgroupFile)
    {
        var volume = MountInfo.Parse("50 40 254:0 /srv/vol /data rw,relatime - ext4 /dev/vda rw");
        var container = new ResolvedContainer
        {
            InitPid = 4242,
            InNamespacePid = 1,
            Namespaces = new Dictionary<NamespaceKind, NamespaceInfo>(),
            Cgroups = CgroupEntry.ParseAll(cgroupFile),
            Mounts = [volume],
            RootPath = "/srv/target-rootfs",
            RootPathIsHostPath = true,
            ExternalMounts = [new ExternalMount(volume, ExternalMountKind.FromHost, "/srv/target-vol")],
            StdioTargets = new Dictionary<int, string>(),
            HasControllingTerminal = false,
            Processes = [],
            IsPidNamespaceInit = true,
            Kind = ContainerKind.FullContainer,
        };
        return new RestoreTarget(container, root.Combine("work"), new Dictionary<string, string>(), AgentMounts: MountInfo.ParseAll(SharedHost));
    }

    private RestoreTarget Standalone(string agentMounts) =>
        new(null, root.Combine("work"), new Dictionary<string, string>(), AgentMounts: MountInfo.ParseAll(agentMounts));

    private async Task<StoredCheckpoint> CommitAsync(string? volumePropagation, Action<ManifestSource>? adjust = null)
    {
        var store = new ImageStore(new ImageStoreOptions { RootDirectory = root.Combine("store"), OwnerId = "planner-test" });
        var key = StoreTestData.Key();
        using var pending = store.Begin(key);
        StoreTestData.WriteFakeDump(pending);
        var manifest = StoreTestData.Manifest(key);
        manifest.Source = new ManifestSource
        {
            RootPath = "/srv/rootfs",
            OwnNamespaces = ["mnt", "pid"],
            Mounts =
            [
                new ManifestMount { MountId = 1, MountPoint = "/", FsType = "overlay", Propagation = "" },
                new ManifestMount { MountId = 2, ParentId = 1, MountPoint = "/data", FsType = "ext4", Propagation = volumePropagation },
            ],
            ExternalMounts = new Dictionary<string, string> { ["m0"] = "/data" },
            ExternalSources = new Dictionary<string, string> { ["m0"] = "/srv/vol" },
        };
        adjust?.Invoke(manifest.Source);
        return await store.CommitAsync(pending, manifest, CancellationToken.None);
    }
}
