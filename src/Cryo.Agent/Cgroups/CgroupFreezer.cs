using Cryo.Agent.Containers;

namespace Cryo.Agent.Cgroups;

/// <summary>
/// The freezer of a tree's cgroup. CRIU freezes through it (<c>--freeze-cgroup</c>), which stops every
/// task at once instead of seizing them one by one; if CRIU dies mid-dump the cgroup can stay frozen, so
/// the engine thaws it on every failure path.
/// </summary>
public sealed class CgroupFreezer
{
    private readonly string directory;
    private readonly bool unified;

    private CgroupFreezer(string directory, bool unified)
    {
        this.directory = directory;
        this.unified = unified;
    }

    /// <summary>The freezer cgroup's directory, as CRIU's <c>--freeze-cgroup</c> wants it.</summary>
    public string Directory => directory;

    /// <summary>Whether this is a cgroup v2 freezer (<c>cgroup.freeze</c>) rather than v1 (<c>freezer.state</c>).</summary>
    public bool IsUnified => unified;

    /// <summary>Whether the cgroup still exists.</summary>
    public bool Exists => System.IO.Directory.Exists(directory);

    /// <summary>The freezer at <paramref name="directory"/>, as recorded earlier (by <see cref="Directory"/> and <see cref="IsUnified"/>).</summary>
    public static CgroupFreezer At(string directory, bool unified)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return new CgroupFreezer(directory, unified);
    }

    /// <summary>
    /// The freezer of the tree's own cgroup, or null when the tree sits in the root cgroup (a plain
    /// process): freezing the root would stop the whole machine, so CRIU then seizes tasks with ptrace.
    /// </summary>
    public static CgroupFreezer? For(IReadOnlyList<CgroupEntry> cgroups, string cgroupRoot = CgroupLayout.Root)
    {
        ArgumentNullException.ThrowIfNull(cgroups);
        var v1 = cgroups.FirstOrDefault(c => c.Controllers.Contains("freezer"));
        if (v1 is not null)
        {
            return v1.Path == "/" ? null : new CgroupFreezer(CgroupLayout.Join(Path.Combine(cgroupRoot, "freezer"), v1.Path), unified: false);
        }
        var v2 = cgroups.FirstOrDefault(c => c.HierarchyId == 0);
        if (v2 is not null && v2.Path != "/" && File.Exists(CgroupLayout.Join(cgroupRoot, v2.Path) + "/cgroup.freeze"))
        {
            return new CgroupFreezer(CgroupLayout.Join(cgroupRoot, v2.Path), unified: true);
        }
        return null;
    }

    /// <summary>Whether the cgroup is frozen now.</summary>
    public bool IsFrozen()
    {
        if (unified)
        {
            return File.ReadAllText(Path.Combine(directory, "cgroup.freeze")).Trim() == "1";
        }
        return File.ReadAllText(Path.Combine(directory, "freezer.state")).Trim() != "THAWED";
    }

    /// <summary>The shell command that thaws the cgroup, for messages that ask a person to do it.</summary>
    public string ThawCommand => unified
        ? $"echo 0 > {Path.Combine(directory, "cgroup.freeze")}"
        : $"echo THAWED > {Path.Combine(directory, "freezer.state")}";

    /// <summary>Thaws the cgroup if it is frozen; a no-op when the cgroup is gone.</summary>
    public void Thaw()
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return;
        }
        if (unified)
        {
            File.WriteAllText(Path.Combine(directory, "cgroup.freeze"), "0");
        }
        else
        {
            File.WriteAllText(Path.Combine(directory, "freezer.state"), "THAWED");
        }
    }
}
