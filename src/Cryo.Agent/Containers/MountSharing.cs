namespace Cryo.Agent.Containers;

/// <summary>
/// Mount propagation as <c>/proc/PID/mountinfo</c> shows it in a mount's optional fields: <c>shared:N</c> (a peer
/// of group N), <c>master:N</c> (a slave receiving group N's mounts), neither (private).
/// </summary>
public static class MountSharing
{
    /// <summary>The optional fields as one text, e.g. <c>"master:23"</c>; empty for a private mount.</summary>
    public static string Describe(MountInfo mount)
    {
        ArgumentNullException.ThrowIfNull(mount);
        return string.Join(' ', mount.OptionalFields.Where(IsSharingField));
    }

    /// <summary><see langword="true"/> when the mount is shared or a slave, i.e. takes part in propagation.</summary>
    public static bool Propagates(MountInfo mount)
    {
        ArgumentNullException.ThrowIfNull(mount);
        return mount.OptionalFields.Any(IsSharingField);
    }

    /// <summary>
    /// The mount that <paramref name="path"/> lies on in <paramref name="mounts"/> (one process's mount table, in
    /// mountinfo order): the one with the longest mount point that contains the path, the last mounted when
    /// several sit at the same place (it covers the earlier ones). Null when none does (a relative path).
    /// </summary>
    public static MountInfo? Containing(IReadOnlyList<MountInfo> mounts, string path)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        ArgumentNullException.ThrowIfNull(path);
        MountInfo? best = null;
        foreach (var mount in mounts)
        {
            if (Contains(mount.MountPoint, path) && (best is null || mount.MountPoint.Length >= best.MountPoint.Length))
            {
                best = mount;
            }
        }
        return best;
    }

    private static bool Contains(string mountPoint, string path) =>
        mountPoint == "/"
            ? path.StartsWith('/')
            : path == mountPoint || (path.StartsWith(mountPoint, StringComparison.Ordinal) && path[mountPoint.Length] == '/');

    private static bool IsSharingField(string field) =>
        field.StartsWith("shared:", StringComparison.Ordinal) || field.StartsWith("master:", StringComparison.Ordinal);
}
