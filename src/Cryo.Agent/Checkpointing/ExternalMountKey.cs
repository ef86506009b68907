using Cryo.Agent.Containers;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// One mount declared external to CRIU: CRIU records only <see cref="Key"/> for it, and a restore maps
/// the key back to a host directory (the target container's mount at the same place, or the original
/// source).
/// </summary>
/// <param name="Key">The key in <c>--external mnt[MOUNTPOINT]:KEY</c>; short and free of CRIU's separators.</param>
/// <param name="MountPoint">Where the mount sits inside the container.</param>
/// <param name="HostSource">The host directory it came from, when known.</param>
public sealed record ExternalMountKey(string Key, string MountPoint, string? HostSource)
{
    /// <summary>Keys for every external mount of the tree, in mount order (<c>m0</c>, <c>m1</c>, …).</summary>
    public static IReadOnlyList<ExternalMountKey> For(ResolvedContainer tree) =>
        tree.ExternalMounts.Select((m, i) => new ExternalMountKey($"m{i}", m.MountPoint, m.HostPath)).ToList();

    /// <summary>The dump-side argument: <c>mnt[/data]:m0</c>.</summary>
    public string DumpArgument => $"mnt[{MountPoint}]:{Key}";
}
