using Cryo.Criu.Running;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cryo.Bench.Agent;

/// <summary>
/// Runs a CRIU command line as it is, timing from process start to exit: the baseline the engine is compared with.
/// It starts CRIU through the same process runner the engine's CRIU calls use, so the two differ only in what the
/// engine does around CRIU.
/// </summary>
public static class RawCriu
{
    public static async Task<TimeSpan> RunAsync(IReadOnlyList<string> argv, string logPath, CancellationToken cancellationToken)
    {
        var outcome = await ProcessRunner.RunAsync(argv, BenchSteps.Deadline, NullLogger.Instance, cancellationToken);
        if (outcome.ExitCode != 0)
        {
            var tail = outcome.StandardError;
            throw new CriuException("raw", outcome.ExitCode, logPath, "", tail,
                $"raw criu failed (exit {outcome.ExitCode}{(outcome.TimedOut ? ", killed at its deadline" : "")}): {string.Join(' ', argv)}; stderr: {tail.Trim()} (log: {logPath})");
        }
        return outcome.Duration;
    }
}
