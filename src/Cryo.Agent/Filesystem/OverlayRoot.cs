using System.Diagnostics.CodeAnalysis;
using System.Text;

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
    /// Finds the overlay mounted at "/" in a mountinfo text (the topmost one if several are stacked); false
    /// when the root is not an overlay or has no upper layer.
    /// </summary>
    public static bool TryFind(string mountinfoText, [NotNullWhen(true)] out OverlayRoot? root)
    {
        root = null;
        string? fsType = null;
        string? superOptions = null;
        foreach (var line in mountinfoText.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-", 6);
            if (fields.Length < 10 || separator < 0 || fields.Length < separator + 4 || fields[4] != "/")
            {
                continue;
            }

            // Later lines are mounted on top of earlier ones: the last "/" is the one in effect.
            fsType = fields[separator + 1];
            superOptions = fields[separator + 3];
        }

        if (fsType != "overlay" || superOptions is null)
        {
            return false;
        }

        string? upper = null;
        string? work = null;
        var lower = new List<string>();
        foreach (var option in superOptions.Split(','))
        {
            var equals = option.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                continue;
            }

            var key = option[..equals];
            var value = option[(equals + 1)..];
            switch (key)
            {
                case "upperdir":
                    upper = Unescape(value);
                    break;
                case "workdir":
                    work = Unescape(value);
                    break;
                case "lowerdir" or "lowerdir+":
                    lower.AddRange(value.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(Unescape));
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

    /// <summary>Reads /proc/<paramref name="pid"/>/mountinfo and finds the process's overlay root.</summary>
    public static bool TryFind(int pid, [NotNullWhen(true)] out OverlayRoot? root) =>
        TryFind(File.ReadAllText($"/proc/{pid}/mountinfo"), out root);

    /// <summary>
    /// The overlay root of process <paramref name="pid"/> (a container's init, host PID).
    /// </summary>
    /// <exception cref="WritableLayerUnsupportedException">The root is not an overlay with an upper layer.</exception>
    public static OverlayRoot Find(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/mountinfo");
        if (TryFind(text, out var root))
        {
            return root;
        }

        var fsType = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .Where(f => f.Length >= 10 && f[4] == "/" && Array.IndexOf(f, "-", 6) is > 0)
            .Select(f => f[Array.IndexOf(f, "-", 6) + 1])
            .LastOrDefault() ?? "unknown";
        throw new WritableLayerUnsupportedException(
            $"the root filesystem of process {pid} is a {fsType} mount, not an overlay with an upper layer: its writable layer cannot be captured");
    }

    /// <summary>Undoes the kernel's \ooo escapes (mountinfo escapes spaces; overlay also commas and '=').</summary>
    private static string Unescape(string value)
    {
        if (!value.Contains('\\', StringComparison.Ordinal))
        {
            return value;
        }

        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 3 < value.Length &&
                IsOctal(value[i + 1]) && IsOctal(value[i + 2]) && IsOctal(value[i + 3]))
            {
                bytes.Add((byte)(((value[i + 1] - '0') * 64) + ((value[i + 2] - '0') * 8) + (value[i + 3] - '0')));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(value[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}
