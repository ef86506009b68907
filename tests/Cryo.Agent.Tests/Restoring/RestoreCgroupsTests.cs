using Cryo.Agent.Attempts;
using Cryo.Agent.Restoring;

namespace Cryo.Agent.Tests.Restoring;

/// <summary>
/// Which cgroups a standalone copy gets on each shape of host, read from a fake <c>/sys/fs/cgroup</c>: the configured
/// v1 controllers, the unified (cgroup2) hierarchy where the host mounts it beside them, or that hierarchy alone.
/// </summary>
public sealed class RestoreCgroupsTests : IDisposable
{
    private readonly TempDirectory root = new("cryo-restore-cgroups-");
    private readonly EngineOptions options = new() { RestoreCgroupParent = "cryo", RestoreCgroupControllers = ["memory", "pids"] };

    public void Dispose() => root.Dispose();

    [Fact]
    public void Create_Should_AddACgroupInTheUnifiedHierarchy_When_TheV1HostAlsoMountsCgroup2()
    {
        Hierarchy("memory");
        Hierarchy("pids");
        Hierarchy("unified", cgroup2: true);

        var cgroups = RestoreCgroups.Create(options, "op", cgroupRoot: root.Path);

        var path = cgroups.Paths["memory"];
        Assert.Equal(["memory", "pids", RestoreCgroups.Unified], cgroups.Paths.Keys);
        Assert.All(cgroups.Paths.Values, p => Assert.Equal(path, p));
        Assert.True(Directory.Exists(root.Combine("unified", path)));
        Assert.Null(cgroups.UnifiedPath);
        cgroups.Remove();
        Assert.False(Directory.Exists(root.Combine("unified", path)));
    }

    [Fact]
    public void Create_Should_MakeOnlyTheV1Cgroups_When_TheHostHasNoUnifiedHierarchy()
    {
        Hierarchy("memory");
        Hierarchy("pids");

        var cgroups = RestoreCgroups.Create(options, "op", cgroupRoot: root.Path);

        Assert.Equal(["memory", "pids"], cgroups.Paths.Keys);
    }

    [Fact]
    public void Create_Should_MapTheOneHierarchyUnderCriusEmptyName_When_TheHostIsPureCgroup2()
    {
        File.WriteAllText(root.Combine("cgroup.controllers"), "memory pids\n");

        var cgroups = RestoreCgroups.Create(options, "op", cgroupRoot: root.Path);

        var (key, path) = Assert.Single(cgroups.Paths);
        Assert.Equal(RestoreCgroups.Unified, key);
        Assert.Equal(cgroups.UnifiedPath, path);
        Assert.True(Directory.Exists(root.Combine(path)));
    }

    private void Hierarchy(string name, bool cgroup2 = false)
    {
        var directory = Directory.CreateDirectory(root.Combine(name)).FullName;
        if (cgroup2)
        {
            File.WriteAllText(Path.Join(directory, "cgroup.controllers"), "");
        }
    }
}
