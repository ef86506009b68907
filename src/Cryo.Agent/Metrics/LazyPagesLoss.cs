namespace Cryo.Agent.Metrics;

/// <summary>How a lazy transfer was lost (the <c>reason</c> label of <c>cryo_agent_lazy_pages_lost_total</c>).</summary>
public enum LazyPagesLoss
{
    /// <summary><c>criu lazy-pages</c> ended with an error before serving every page.</summary>
    PageServerFailed,

    /// <summary>The page server's supervisor vanished without recording a status (killed with its cgroup, say).</summary>
    PageServerGone,

    /// <summary>The page server ended before the restored tree was running.</summary>
    BeforeRunning,
}
