namespace Cryo.Agent.Tests.Placeholder;

/// <summary>How the placeholder process ended, as its parent's waitpid saw it.</summary>
/// <param name="ExitStatus">The exit status, or null when it was killed by a signal.</param>
/// <param name="Signal">The signal that killed it, or null when it exited.</param>
internal sealed record PlaceholderOutcome(int? ExitStatus, int? Signal)
{
    public static PlaceholderOutcome Exited(int status) => new(status, null);

    public static PlaceholderOutcome Killed(int signal) => new(null, signal);
}
