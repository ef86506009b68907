namespace Cryo.Agent.Tests.Harness;

/// <summary>Removes harness temporary directories safely: never descends into something mounted there.</summary>
public static class TempDirectories
{
    /// <summary>
    /// Lazily unmounts anything mounted at or below <paramref name="directory"/> in the harness's own mount
    /// namespace (a recursive delete would otherwise erase the mounted host data), then deletes it.
    /// </summary>
    public static async Task DeleteAsync(string directory, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        var full = Path.GetFullPath(directory).TrimEnd('/');
        var mountinfo = await File.ReadAllLinesAsync("/proc/self/mountinfo", cancellationToken);
        var mountPoints = mountinfo
            .Select(l => Cryo.Agent.Containers.MountInfo.Parse(l).MountPoint)
            .Where(m => m == full || m.StartsWith(full + "/", StringComparison.Ordinal))
            .OrderByDescending(m => m.Length)
            .ToList();
        foreach (var mountPoint in mountPoints)
        {
            if (NativeMethods.umount2(mountPoint, NativeMethods.MNT_DETACH) != 0)
            {
                throw new IOException($"cannot unmount {mountPoint} (errno {System.Runtime.InteropServices.Marshal.GetLastWin32Error()}); left {full} in place");
            }
        }

        Directory.Delete(full, recursive: true);
    }
}
