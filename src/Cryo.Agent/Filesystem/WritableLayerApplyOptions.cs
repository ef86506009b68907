using Cryo.Agent.Containers;

namespace Cryo.Agent.Filesystem;

/// <summary>Options for <see cref="WritableLayer.ApplyAsync(string, string, WritableLayerApplyOptions, CancellationToken)"/>.</summary>
public sealed record WritableLayerApplyOptions
{
    /// <summary>
    /// Mount points of the target container (paths inside it, e.g. "/etc/hosts", "/data"). runc leaves empty
    /// files and directories in the source's upper layer for its bind mounts; entries at or below these
    /// paths are skipped (with a note) instead of replacing the target's own mount points. "/" is ignored.
    /// </summary>
    public IReadOnlyCollection<string> TargetMountPoints { get; init; } = [];

    /// <summary>Applies only the entries of one pass of a <see cref="LayerSplit"/>; <c>null</c> applies them all.</summary>
    public LayerPass? Pass { get; init; }

    /// <summary>
    /// Options that leave alone every mount point of the target container, from its init's mounts (as
    /// /proc/INIT/mountinfo lists them, relative to the container's root).
    /// </summary>
    public static WritableLayerApplyOptions ForTargetMounts(IEnumerable<MountInfo> targetMounts) =>
        new() { TargetMountPoints = targetMounts.Select(m => m.MountPoint).Where(p => p != "/").Distinct(StringComparer.Ordinal).ToList() };
}
