namespace Cryo.Criu.Running;

/// <summary>How a child process ended.</summary>
/// <param name="ExitCode">Its exit code (137 when the runner killed it).</param>
/// <param name="TimedOut">Whether the runner killed it at its deadline.</param>
/// <param name="Duration">From start to exit.</param>
/// <param name="StandardOutput">The end of its stdout.</param>
/// <param name="StandardError">The end of its stderr.</param>
internal sealed record ProcessOutcome(int ExitCode, bool TimedOut, TimeSpan Duration, string StandardOutput, string StandardError);
