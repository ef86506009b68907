namespace Cryo.Agent.Restoring.Lazy;

/// <summary>The <c>criu lazy-pages</c> daemon for a lazy restore could not be started; the restore falls back to eager.</summary>
public sealed class LazyPagesStartException(string message, int? daemonPid) : Exception(message)
{
    /// <summary>The daemon's PID when it was started at all.</summary>
    public int? DaemonPid { get; } = daemonPid;
}
