using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Cryo.Testing;

/// <summary>
/// A fresh directory under /tmp, removed with everything in it on dispose. Removal never descends into
/// something mounted there: whatever is mounted at or below the directory (a bind mount of host data, an
/// overlay, a tmpfs) is lazily unmounted first, so a recursive delete cannot erase what a mount shows.
/// </summary>
public sealed partial class TempDirectory : IDisposable
{
    private const int MntDetach = 2;

    /// <summary>Creates the directory; <paramref name="prefix"/> names it, so a leftover says whose it was.</summary>
    public TempDirectory(string prefix = "cryo-test-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>A path inside the directory.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    /// <inheritdoc/>
    public void Dispose() => Delete(Path, File.ReadAllLines("/proc/self/mountinfo"));

    /// <summary>
    /// Lazily unmounts anything mounted at or below <paramref name="directory"/> in this process's mount
    /// namespace, then deletes it; a directory that does not exist is already gone.
    /// </summary>
    public static async Task DeleteAsync(string directory, CancellationToken cancellationToken)
    {
        var mountinfo = await File.ReadAllLinesAsync("/proc/self/mountinfo", cancellationToken);
        Delete(directory, mountinfo);
    }

    private static void Delete(string directory, string[] mountinfo)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        var full = System.IO.Path.GetFullPath(directory).TrimEnd('/');
        var mountPoints = mountinfo
            .Select(MountPointOf)
            .Where(m => m == full || m.StartsWith(full + "/", StringComparison.Ordinal))
            .OrderByDescending(m => m.Length)
            .ToList();
        foreach (var mountPoint in mountPoints)
        {
            if (Umount2(mountPoint, MntDetach) != 0)
            {
                throw new IOException($"cannot unmount {mountPoint} (errno {Marshal.GetLastPInvokeError()}); left {full} in place");
            }
        }

        Directory.Delete(full, recursive: true);
    }

    // mountinfo(5): the fifth field is the mount point, with space, tab, newline and backslash as octal escapes.
    private static string MountPointOf(string line) =>
        OctalEscape().Replace(line.Split(' ')[4], m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString(CultureInfo.InvariantCulture));

    [GeneratedRegex(@"\\([0-7]{3})")]
    private static partial Regex OctalEscape();

    [DllImport("libc", EntryPoint = "umount2", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Umount2(string target, int flags);
}
