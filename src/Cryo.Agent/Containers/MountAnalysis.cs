namespace Cryo.Agent.Containers;

/// <summary>
/// Compares a container's mount table with the agent's: where the container's root and bind mounts are
/// on the host, and which mounts CRIU must be told are external.
/// </summary>
public static class MountAnalysis
{
    // Filesystems every container gets a private instance of; CRIU recreates them itself. sysfs is listed
    // because in a hostNetwork pod it shares the host's superblock yet is still the container's own mount.
    private static readonly HashSet<string> InternalTypes = ["proc", "sysfs", "devpts", "mqueue"];

    private static readonly HashSet<string> CgroupTypes = ["cgroup", "cgroup2"];

    /// <summary>The mount visible at "/" (the last one stacked there).</summary>
    public static MountInfo? FindRootMount(IReadOnlyList<MountInfo> mounts) => mounts.LastOrDefault(m => m.MountPoint == "/");

    /// <summary>
    /// Where the directory behind <paramref name="mount"/> is in the agent's mount namespace: a host mount of
    /// the same filesystem whose root contains the mount's root, the deepest such root winning. <see langword="null"/>
    /// when the host mounts no such part of that filesystem.
    /// </summary>
    public static string? MapToHost(MountInfo mount, IReadOnlyList<MountInfo> hostMounts)
    {
        MountInfo? best = null;
        foreach (var candidate in hostMounts)
        {
            if (candidate.Major != mount.Major || candidate.Minor != mount.Minor || !IsWithin(mount.Root, candidate.Root))
            {
                continue;
            }

            if (best is null || candidate.Root.Length > best.Root.Length)
            {
                best = candidate;
            }
        }

        if (best is null)
        {
            return null;
        }

        var rest = best.Root == "/" ? mount.Root : mount.Root[best.Root.Length..];
        return rest is "" or "/" ? best.MountPoint : best.MountPoint.TrimEnd('/') + rest;
    }

    /// <summary>
    /// The container's mounts that come from outside it: every cgroup/cgroup2 mount, and every other mount
    /// (but the root) whose filesystem the host also mounts, unless it is a bind of a directory inside the
    /// container's own root filesystem (CRIU resolves those itself). proc, sysfs, devpts and mqueue are
    /// always internal; the container's own tmpfs instances are internal because the host does not mount
    /// them, while a /dev/shm bound from the pod sandbox is external because it does.
    /// </summary>
    public static IReadOnlyList<ExternalMount> FindExternalMounts(IReadOnlyList<MountInfo> containerMounts,
        IReadOnlyList<MountInfo> hostMounts)
    {
        var root = FindRootMount(containerMounts);
        var hostDevices = hostMounts.Select(m => (m.Major, m.Minor)).ToHashSet();
        var external = new List<ExternalMount>();
        foreach (var mount in containerMounts)
        {
            if (ReferenceEquals(mount, root))
            {
                continue;
            }

            if (CgroupTypes.Contains(mount.FilesystemType))
            {
                external.Add(new ExternalMount(mount, ExternalMountKind.CgroupHierarchy, MapToHost(mount, hostMounts)));
                continue;
            }

            if (InternalTypes.Contains(mount.FilesystemType) || !hostDevices.Contains((mount.Major, mount.Minor)))
            {
                continue;
            }

            var bindOfOwnRoot = root is not null && root.Major == mount.Major && root.Minor == mount.Minor
                && IsWithin(mount.Root, root.Root);
            if (!bindOfOwnRoot)
            {
                external.Add(new ExternalMount(mount, ExternalMountKind.FromHost, MapToHost(mount, hostMounts)));
            }
        }

        return external;
    }

    /// <summary><see langword="true"/> when <paramref name="path"/> is <paramref name="directory"/> or below it.</summary>
    public static bool IsWithin(string path, string directory) =>
        directory == "/"
        || path == directory
        || (path.StartsWith(directory, StringComparison.Ordinal) && path.Length > directory.Length && path[directory.Length] == '/');
}
