using Cryo.Agent.Cgroups;

namespace Cryo.Agent.Recovery;

/// <summary>The cgroup freezer a dump stops its tree with, as recorded for thawing it later.</summary>
/// <param name="Directory">The freezer cgroup's directory (<see cref="CgroupFreezer.Directory"/>).</param>
/// <param name="Unified">A cgroup v2 freezer (<c>cgroup.freeze</c>) rather than v1 (<c>freezer.state</c>).</param>
/// <param name="WasFrozen">
/// It was already frozen before the dump (a paused container): someone else froze it, so it is not the
/// dump's to thaw.
/// </param>
public sealed record FreezerRecord(string Directory, bool Unified, bool WasFrozen)
{
    /// <summary>The record of <paramref name="freezer"/> as it is now.</summary>
    public static FreezerRecord Of(CgroupFreezer freezer)
    {
        ArgumentNullException.ThrowIfNull(freezer);
        return new FreezerRecord(freezer.Directory, freezer.IsUnified, freezer.IsFrozen());
    }

    /// <summary>The recorded freezer.</summary>
    public CgroupFreezer Open() => CgroupFreezer.At(Directory, Unified);
}
