namespace Cryo.Agent.Recovery;

/// <summary>What became of the freezer of a dump that died mid-way (<see cref="InterruptedDumpRecovery"/>).</summary>
public enum ThawStatus
{
    /// <summary>The dump froze nothing: CRIU seized the tasks by ptrace, and they ran again when it died.</summary>
    NoFreezer,

    /// <summary>The freezer was frozen before the dump began (a paused container): left as it was.</summary>
    FrozenBeforeDump,

    /// <summary>
    /// The freezer was frozen before the dump began (a paused container), and CRIU, which thaws it while it holds the
    /// tasks, died before freezing it again: frozen again.
    /// </summary>
    Repaused,

    /// <summary>The cgroup is gone, and the tree with it.</summary>
    CgroupGone,

    /// <summary>The cgroup was not frozen (CRIU thaws it once it holds every task by ptrace).</summary>
    NotFrozen,

    /// <summary>It was frozen and now is thawed: the tree runs again.</summary>
    Thawed,

    /// <summary>
    /// It is frozen, but the dumped tree no longer lives there (its root is gone, or its PID is another
    /// process's now): someone else's freeze, left alone.
    /// </summary>
    OtherTree,

    /// <summary>Thawing failed; the error is logged with the command that thaws it by hand.</summary>
    Failed,
}
