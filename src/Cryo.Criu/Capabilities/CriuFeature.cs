namespace Cryo.Criu.Capabilities;

/// <summary>Optional kernel/CRIU features Cryo asks <c>criu check --feature NAME</c> about.</summary>
public enum CriuFeature
{
    /// <summary><c>mem_dirty_track</c>: soft-dirty page tracking (<c>CONFIG_MEM_SOFT_DIRTY</c>), needed by pre-dump, <c>--track-mem</c>, <c>--prev-images-dir</c>.</summary>
    MemDirtyTrack,

    /// <summary><c>uffd</c>: userfaultfd, the basis of lazy restore.</summary>
    Uffd,

    /// <summary><c>uffd-noncoop</c>: non-cooperative userfaultfd events, needed by <c>--lazy-pages</c> for trees that fork or remap.</summary>
    UffdNonCooperative,

    /// <summary><c>pidfd_store</c>: CRIU can keep pidfds to detect PID reuse between dumps.</summary>
    PidfdStore,

    /// <summary><c>timens</c>: time namespaces, so restored monotonic clocks continue where they were.</summary>
    TimeNamespace,

    /// <summary><c>network_lock_nftables</c>: <c>--network-lock nftables</c> works (the only lock here: no iptables).</summary>
    NetworkLockNftables,

    /// <summary><c>cgroupns</c>: cgroup namespaces can be dumped and restored.</summary>
    CgroupNamespace,

    /// <summary><c>clone3_set_tid</c>: restoring exact PIDs without racing on <c>ns_last_pid</c>.</summary>
    Clone3SetTid,
}
