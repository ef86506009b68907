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
    /// <summary>
    /// Runs the command after a sync; adds its seconds as "raw" and CRIU's CPU seconds as "raw_criu_cpu" to
    /// <paramref name="s"/>, keeps its log as <paramref name="keptAs"/> (see <see cref="BenchSteps.KeepLog"/>), and returns the seconds.
    /// </summary>
    public static async Task<double> RunMeasuredAsync(IReadOnlyList<string> argv, string logPath, string keptAs, Samples s, CancellationToken cancellationToken)
    {
        BenchSteps.Sync();
        var cpu = CpuTimes.Now();
        var seconds = (await RunAsync(argv, logPath, cancellationToken)).TotalSeconds;
        s.Add("raw", seconds);
        s.Add("raw_criu_cpu", CpuTimes.Now().Children - cpu.Children);
        BenchSteps.KeepLog(logPath, keptAs);
        return seconds;
    }

    private static async Task<TimeSpan> RunAsync(IReadOnlyList<string> argv, string logPath, CancellationToken cancellationToken)
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
