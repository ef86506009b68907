namespace Cryo.Agent.Cgroups;

/// <summary>Where cgroup hierarchies are mounted and how cgroup paths join onto them.</summary>
public static class CgroupLayout
{
    /// <summary>The cgroup filesystem's mount point on the host.</summary>
    public const string Root = "/sys/fs/cgroup";

    /// <summary>Joins a cgroup path (which starts with '/') onto a hierarchy's directory.</summary>
    public static string Join(string hierarchyDirectory, string cgroupPath) =>
        cgroupPath is "/" or "" ? hierarchyDirectory : hierarchyDirectory.TrimEnd('/') + "/" + cgroupPath.TrimStart('/');

    /// <summary>Whether the host uses cgroup v2 only (one unified hierarchy).</summary>
    public static bool IsUnified(string root = Root) => File.Exists(Path.Combine(root, "cgroup.controllers"));

    /// <summary>
    /// The unified (cgroup2) hierarchy's directory on a cgroup v1 host that also mounts it, as systemd does at
    /// <c>/sys/fs/cgroup/unified</c>; <see langword="null"/> on a host without it (or a pure cgroup2 host, whose root is it).
    /// </summary>
    public static string? HybridUnifiedDirectory(string root = Root)
    {
        var directory = Path.Combine(root, "unified");
        return !IsUnified(root) && IsUnified(directory) ? directory : null;
    }
}
