namespace Cryo.Agent.Containers;

/// <summary>One line of <c>/proc/PID/cgroup</c>: membership in one hierarchy.</summary>
/// <param name="HierarchyId">The hierarchy ID; 0 for the cgroup v2 unified hierarchy.</param>
/// <param name="Controllers">
/// The controllers bound to the hierarchy (<c>memory</c>, <c>cpu,cpuacct</c>, a named one such as
/// <c>name=systemd</c>); empty for cgroup v2.
/// </param>
/// <param name="Path">The cgroup's path relative to the hierarchy's root (as seen from the reader's cgroup namespace).</param>
public sealed record CgroupEntry(int HierarchyId, IReadOnlyList<string> Controllers, string Path)
{
    /// <summary><see langword="true"/> for the cgroup v2 line (<c>0::/path</c>).</summary>
    public bool IsUnified => HierarchyId == 0 && Controllers.Count == 0;

    /// <summary>Parses one line such as <c>4:memory:/kubepods/besteffort/pod…/…</c> or <c>0::/…</c>.</summary>
    /// <exception cref="FormatException">The line is malformed.</exception>
    public static CgroupEntry Parse(string line)
    {
        var first = line.IndexOf(':');
        var second = first < 0 ? -1 : line.IndexOf(':', first + 1);
        if (first <= 0 || second < 0)
        {
            throw new FormatException($"not a cgroup line: '{line}'");
        }

        var controllers = line[(first + 1)..second];
        return new CgroupEntry(
            int.Parse(line.AsSpan(0, first)),
            controllers.Length == 0 ? [] : controllers.Split(','),
            line[(second + 1)..]);
    }

    /// <summary>Parses the whole text of <c>/proc/PID/cgroup</c>.</summary>
    public static IReadOnlyList<CgroupEntry> ParseAll(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToArray();

    /// <inheritdoc />
    public override string ToString() => $"{HierarchyId}:{string.Join(',', Controllers)}:{Path}";
}
