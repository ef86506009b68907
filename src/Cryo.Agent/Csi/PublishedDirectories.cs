using Cryo.Agent.Containers;
using Cryo.Agent.Filesystem;

namespace Cryo.Agent.Csi;

/// <summary>
/// The directories <see cref="PlaceholderPublication"/> leaves under its root over time: one per placeholder build
/// (an agent update publishes a new one, and pods started before it keep the old one mounted), and half-built
/// <c>.new-*</c> ones from an agent that died while publishing. A directory no mount shows any more is removed:
/// at start-up, and when the last volume showing an old build is unpublished.
/// </summary>
public static class PublishedDirectories
{
    /// <summary>The published directory of <paramref name="root"/> that the mount at <paramref name="target"/> shows, or null.</summary>
    public static string? ShownAt(string root, string target)
    {
        if (!Directory.Exists(root) || NativeMethods.TryStat(target) is not { IsDirectory: true } shown)
        {
            return null;
        }
        return Directory.EnumerateDirectories(root).FirstOrDefault(d => NativeMethods.TryLStat(d) is { } status && Same(status, shown));
    }

    /// <summary>
    /// Removes every directory under <paramref name="root"/> but <paramref name="current"/> that no mount in
    /// <paramref name="mounts"/> shows. Returns what was removed.
    /// </summary>
    public static IReadOnlyList<string> RemoveUnused(string root, string? current, IReadOnlyList<MountInfo> mounts)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        if (!Directory.Exists(root))
        {
            return [];
        }
        var removed = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories(root).ToList())
        {
            if (current is not null && Path.GetFileName(directory) == Path.GetFileName(current))
            {
                continue;
            }
            if (IsMounted(directory, mounts))
            {
                continue;
            }
            Directory.Delete(directory, recursive: true);
            removed.Add(directory);
        }
        return removed;
    }

    /// <summary>
    /// Whether a mount shows <paramref name="directory"/>: a bind mount whose root, in its filesystem, ends with the
    /// directory's name and whose mount point is that very directory (device and inode). Only those candidates are
    /// looked at, so no unrelated mount (a dead network filesystem, say) is touched.
    /// </summary>
    public static bool IsMounted(string directory, IReadOnlyList<MountInfo> mounts)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        if (NativeMethods.TryLStat(directory) is not { } status)
        {
            return false;
        }
        var name = "/" + Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        return mounts.Any(m => m.Root.EndsWith(name, StringComparison.Ordinal)
            && NativeMethods.TryStat(m.MountPoint) is { } shown && Same(shown, status));
    }

    private static bool Same(FileStatus a, FileStatus b) =>
        a.Inode == b.Inode && a.DeviceMajor == b.DeviceMajor && a.DeviceMinor == b.DeviceMinor;
}
