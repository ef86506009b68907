using Cryo.Agent.Operations;

namespace Cryo.Agent.Restoring.Lazy;

/// <summary>
/// A lazy restore's page server (<c>criu lazy-pages</c>) ended before it served every page; the restored tree was
/// killed. CRIU failed on this restore, as a restore whose <c>criu restore</c> exits non-zero does.
/// </summary>
/// <param name="exitCode">The page server's exit status.</param>
/// <param name="log">What it printed and the error lines of its log.</param>
/// <param name="message">What happened, in words.</param>
public sealed class LazyPagesLostException(int exitCode, string log, string message) : AgentException(message)
{
    /// <summary>The page server's exit status.</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>What it printed and the error lines of its log.</summary>
    public string Log { get; } = log;
}
