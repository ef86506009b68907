using System.Diagnostics.CodeAnalysis;
using Cryo.Agent.Containers;

namespace Cryo.Agent.Filesystem;

/// <summary>
/// A container's overlay root filesystem as its init process sees it (containerd's and CRI-O's snapshotters
/// mount one per container: shared read-only lower layers and a private upper layer).
/// </summary>
/// <param name="UpperDir">Host path of the upper (writable) layer: what <see cref="WritableLayer.CaptureAsync"/> reads.</param>
/// <param name="WorkDir">Host path of overlayfs's work directory, or null.</param>
/// <param name="LowerDirs">Host paths of the lower layers, topmost first.</param>
public sealed record OverlayRoot(string UpperDir, string? WorkDir, IReadOnlyList<string> LowerDirs)
{
    /// <summary>
    /// Finds the overlay mounted at "/" among a process's mounts (the topmost one if several are stacked);
    /// false when the root is not an overlay or has no upper layer.
    /// </summary>
    public static bool TryFind(IEnumerable<MountInfo> mounts, [NotNullWhen(true)] out OverlayRoot? root)
    {
        root = null;
        // Later lines are mounted on top of earlier ones: the last "/" is the one in effect.
        var rootMount = mounts.LastOrDefault(m => m.MountPoint == "/");
        if (rootMount is not { FilesystemType: "overlay" })
        {
            return false;
        }

        string? upper = null;
        string? work = null;
        var lower = new List<string>();
        // Overlay escapes ',' and '=' in paths itself (octal, like mountinfo), so splitting first is safe.
        foreach (var option in rootMount.SuperOptions.Split(','))
        {
            var equals = option.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                continue;
            }

            var value = option[(equals + 1)..];
            switch (option[..equals])
            {
                case "upperdir":
                    upper = MountInfo.Unescape(value);
                    break;
                case "workdir":
                    work = MountInfo.Unescape(value);
                    break;
                case "lowerdir" or "lowerdir+":
                    lower.AddRange(value.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(MountInfo.Unescape));
                    break;
            }
        }

        if (upper is null)
        {
            return false;
        }

        root = new OverlayRoot(upper, work, lower);
        return true;
    }

    /// <summary>As <see cref="TryFind(IEnumerable{MountInfo}, out OverlayRoot?)"/> on the text of a mountinfo file.</summary>
    /// <exception cref="FormatException">A line is not a mountinfo line.</exception>
    public static bool TryFind(string mountinfoText, [NotNullWhen(true)] out OverlayRoot? root) =>
        TryFind(MountInfo.ParseAll(mountinfoText), out root);

    /// <summary>Reads /proc/<paramref name="pid"/>/mountinfo and finds the process's overlay root.</summary>
    public static bool TryFind(int pid, [NotNullWhen(true)] out OverlayRoot? root) =>
        TryFind(File.ReadAllText($"/proc/{pid}/mountinfo"), out root);

    /// <summary>The overlay root of process <paramref name="pid"/> (a container's init, host PID).</summary>
    /// <exception cref="WritableLayerUnsupportedException">The root is not an overlay with an upper layer.</exception>
    public static OverlayRoot Find(int pid)
    {
        var mounts = MountInfo.ParseAll(File.ReadAllText($"/proc/{pid}/mountinfo"));
        if (TryFind(mounts, out var root))
        {
            return root;
        }

        var fsType = mounts.LastOrDefault(m => m.MountPoint == "/")?.FilesystemType ?? "unknown";
        throw new WritableLayerUnsupportedException(
            $"the root filesystem of process {pid} is a {fsType} mount, not an overlay with an upper layer: its writable layer cannot be captured");
    }
}
