namespace Cryo.Agent.Store.Manifest;

/// <summary>One line of <c>/proc/PID/cgroup</c>: <c>hierarchy:controllers:path</c>.</summary>
public sealed class ManifestCgroup
{
    /// <summary>Hierarchy ID (0 for the cgroup v2 unified hierarchy).</summary>
    public int Hierarchy { get; set; }

    /// <summary>Comma-separated controllers (empty for v2).</summary>
    public string Controllers { get; set; } = string.Empty;

    /// <summary>The cgroup's path in that hierarchy.</summary>
    public string Path { get; set; } = string.Empty;
}
