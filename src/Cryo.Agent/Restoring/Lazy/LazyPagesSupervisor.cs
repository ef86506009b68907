namespace Cryo.Agent.Restoring.Lazy;

/// <summary>
/// The small shell process that runs one <c>criu lazy-pages</c> daemon outside the agent: started through
/// <c>setsid -f</c> (a session of its own, reparented to the node's init), it first moves itself into cgroups of
/// its own, so neither the agent's exit nor its container's restart (which kills the agent's cgroups) ends the
/// transfer. It waits for the daemon, and when the daemon ends with pages still owed (killed, or failed) it
/// kills the restored tree it was told about: a task whose userfaultfd holder is gone gets zero-filled pages
/// for everything not yet copied (measured: memhog then jumped to address 0) — better dead than silently wrong.
/// It records the daemon's exit status last, so an agent that finds no status and no supervisor knows the
/// transfer was cut short and ends the tree itself (<see cref="LazyTransfers"/>).
/// </summary>
public static class LazyPagesSupervisor
{
    /// <summary>The supervisor's PID, written first (then the files below) in the restore's work directory.</summary>
    public const string SupervisorPidFile = "lazy-pages.supervisor";

    /// <summary>The daemon's PID.</summary>
    public const string DaemonPidFile = "lazy-pages.daemon";

    /// <summary>The restored tree's root, <c>HOSTPID STARTTIME</c>, written by the agent once CRIU restored it.</summary>
    public const string TreeFile = "lazy-pages.tree";

    /// <summary>The daemon's exit status, written (atomically) when it ended; 0 means every page was served or no task is left.</summary>
    public const string ExitFile = "lazy-pages.exit";

    /// <summary>What the daemon and the supervisor printed.</summary>
    public const string OutputFile = "lazy-pages.out";

    /// <summary>
    /// <c>sh -c SCRIPT sh WORKDIR CGROUP_PROCS… -- CRIU ARGS…</c>. A tree is checked by start time before it is
    /// killed (its PID may have been reused), stopped before its children are listed (so it cannot fork past
    /// the walk), and killed parent first.
    /// </summary>
    public const string Script = """
        work=$1; shift
        exec </dev/null >>"$work/lazy-pages.out" 2>&1
        while [ $# -gt 0 ] && [ "$1" != -- ]; do
          echo $$ > "$1" || echo "lazy-pages supervisor: cannot move into $1"
          shift
        done
        shift
        echo $$ > "$work/lazy-pages.supervisor"
        "$@" &
        daemon=$!
        echo $daemon > "$work/lazy-pages.daemon"
        wait $daemon
        rc=$?
        kill_tree() {
          kill -STOP "$1" 2>/dev/null
          for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do kill_tree "$child"; done
          kill -KILL "$1" 2>/dev/null
        }
        if [ $rc -ne 0 ] && [ -f "$work/lazy-pages.tree" ]; then
          read pid start < "$work/lazy-pages.tree"
          if [ -n "$pid" ] && [ "$(sed 's/.*) //' /proc/"$pid"/stat 2>/dev/null | cut -d' ' -f20)" = "$start" ]; then
            echo "lazy-pages supervisor: the daemon ended with status $rc before serving every page: killing the restored tree (PID $pid)"
            kill_tree "$pid"
          fi
        fi
        echo $rc > "$work/lazy-pages.exit.tmp" && mv -f "$work/lazy-pages.exit.tmp" "$work/lazy-pages.exit"
        """;
}
