namespace Cryo.Criu.Capabilities;

/// <summary>What CRIU calls each <see cref="CriuFeature"/> and what its absence costs.</summary>
public static class CriuFeatureInfo
{
    /// <summary>Every feature <see cref="ICriu.DetectCapabilitiesAsync"/> checks.</summary>
    public static IReadOnlyList<CriuFeature> All { get; } = Enum.GetValues<CriuFeature>();

    /// <summary>The name <c>criu check --feature</c> takes.</summary>
    public static string CriuName(CriuFeature feature) => feature switch
    {
        CriuFeature.MemDirtyTrack => "mem_dirty_track",
        CriuFeature.Uffd => "uffd",
        CriuFeature.UffdNonCooperative => "uffd-noncoop",
        CriuFeature.PidfdStore => "pidfd_store",
        CriuFeature.TimeNamespace => "timens",
        CriuFeature.NetworkLockNftables => "network_lock_nftables",
        CriuFeature.CgroupNamespace => "cgroupns",
        CriuFeature.Clone3SetTid => "clone3_set_tid",
        _ => throw new ArgumentOutOfRangeException(nameof(feature), feature, "unknown CRIU feature"),
    };

    /// <summary>What cannot be done without the feature, for reports and refusals.</summary>
    public static string ConsequenceWhenMissing(CriuFeature feature) => feature switch
    {
        CriuFeature.MemDirtyTrack =>
            "kernel lacks CONFIG_MEM_SOFT_DIRTY: incremental (pre-dump/track-mem) checkpoints are unavailable",
        CriuFeature.Uffd => "kernel lacks userfaultfd: lazy (on-demand) restore is unavailable",
        CriuFeature.UffdNonCooperative =>
            "kernel lacks non-cooperative userfaultfd: lazy-pages restore is unavailable",
        CriuFeature.PidfdStore => "pidfd store unsupported: PID reuse between dumps cannot be detected",
        CriuFeature.TimeNamespace =>
            "kernel lacks time namespaces: restored processes see monotonic/boot clocks jump",
        CriuFeature.NetworkLockNftables =>
            "nftables network lock unavailable: dumps with established TCP connections cannot lock the network",
        CriuFeature.CgroupNamespace => "cgroup namespaces cannot be checkpointed",
        CriuFeature.Clone3SetTid => "clone3 with set_tid unsupported: PID restore falls back to racing on ns_last_pid",
        _ => throw new ArgumentOutOfRangeException(nameof(feature), feature, "unknown CRIU feature"),
    };
}
