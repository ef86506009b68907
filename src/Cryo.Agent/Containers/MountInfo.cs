using System.Text;

namespace Cryo.Agent.Containers;

/// <summary>One line of <c>/proc/PID/mountinfo</c> (see proc(5)).</summary>
/// <param name="MountId">Unique ID of the mount.</param>
/// <param name="ParentId">ID of the parent mount (itself for the root of the tree).</param>
/// <param name="Major">Major device number of the filesystem (<c>st_dev</c>).</param>
/// <param name="Minor">Minor device number of the filesystem.</param>
/// <param name="Root">The directory of the filesystem that forms the root of this mount (a bind mount's source, relative to its filesystem).</param>
/// <param name="MountPoint">Where it is mounted, relative to the reading process's root.</param>
/// <param name="MountOptions">Per-mount options (<c>rw,relatime</c>…).</param>
/// <param name="OptionalFields">Propagation tags such as <c>shared:1</c> or <c>master:2</c>.</param>
/// <param name="FilesystemType">Filesystem type, e.g. <c>ext4</c>, <c>overlay</c>, <c>cgroup</c>.</param>
/// <param name="Source">Filesystem-specific source, e.g. <c>/dev/vda</c>, or <c>none</c>.</param>
/// <param name="SuperOptions">Per-superblock options (for overlay these carry <c>upperdir=</c>).</param>
public sealed record MountInfo(int MountId, int ParentId, int Major, int Minor, string Root, string MountPoint,
    string MountOptions, IReadOnlyList<string> OptionalFields, string FilesystemType, string Source, string SuperOptions)
{
    /// <summary><c>major:minor</c>, the identity of the filesystem behind the mount.</summary>
    public string Device => $"{Major}:{Minor}";

    /// <summary><see langword="true"/> when mounted read-only.</summary>
    public bool IsReadOnly => MountOptions.Split(',').Contains("ro");

    /// <summary>Parses one mountinfo line, undoing the kernel's octal escapes (<c>\040</c> for a space…).</summary>
    /// <exception cref="FormatException">The line is malformed.</exception>
    public static MountInfo Parse(string line)
    {
        var fields = line.Split(' ');
        var separator = Array.IndexOf(fields, "-", 6);
        if (fields.Length < 10 || separator < 0 || fields.Length < separator + 4)
        {
            throw new FormatException($"not a mountinfo line: '{line}'");
        }

        var device = fields[2].Split(':');
        if (device.Length != 2)
        {
            throw new FormatException($"bad major:minor '{fields[2]}' in mountinfo line '{line}'");
        }

        return new MountInfo(
            int.Parse(fields[0]),
            int.Parse(fields[1]),
            int.Parse(device[0]),
            int.Parse(device[1]),
            Unescape(fields[3]),
            Unescape(fields[4]),
            fields[5],
            fields[6..separator],
            Unescape(fields[separator + 1]),
            Unescape(fields[separator + 2]),
            fields[separator + 3]);
    }

    /// <summary>Parses the whole text of a mountinfo file.</summary>
    public static IReadOnlyList<MountInfo> ParseAll(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToArray();

    /// <summary>Undoes the kernel's <c>\ooo</c> escapes of space, tab, newline and backslash.</summary>
    public static string Unescape(string field)
    {
        if (!field.Contains('\\'))
        {
            return field;
        }

        var builder = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length
                && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                builder.Append((char)(((field[i + 1] - '0') * 64) + ((field[i + 2] - '0') * 8) + (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                builder.Append(field[i]);
            }
        }

        return builder.ToString();
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}
