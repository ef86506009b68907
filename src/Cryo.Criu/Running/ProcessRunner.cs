using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Cryo.Criu.Running;

/// <summary>Runs one command under a deadline; past it, or on cancellation, kills the command's whole process tree.</summary>
internal static class ProcessRunner
{
    private const int OutputCapacity = 64 * 1024;

    // After the child exits, its output pipes close once every descendant that inherited them is gone; a restored
    // tree or helper that keeps them must not hold the caller hostage.
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    // SIGKILL is not refusable; this only bounds waiting on a process stuck in uninterruptible sleep.
    private static readonly TimeSpan ReapGrace = TimeSpan.FromSeconds(10);

    /// <param name="argv">The command.</param>
    /// <param name="deadline">How long it may run.</param>
    /// <param name="logger">Where kills are logged.</param>
    /// <param name="cancellationToken">Kills the command.</param>
    /// <param name="beforeKill">Runs just before the command is killed (cancellation or deadline); its failure is logged, and the kill goes on.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled; the process tree was killed first.</exception>
    /// <exception cref="Win32Exception">The command could not be started.</exception>
    public static async Task<ProcessOutcome> RunAsync(IReadOnlyList<string> argv, TimeSpan deadline, ILogger logger,
        CancellationToken cancellationToken, Action? beforeKill = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(deadline, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var startInfo = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in argv.Skip(1))
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        var stopwatch = Stopwatch.StartNew();
        process.Start();
        // CRIU reads nothing from stdin; an immediate EOF beats inheriting the agent's.
        process.StandardInput.Close();
        var stdout = new OutputTail(process.StandardOutput, OutputCapacity);
        var stderr = new OutputTail(process.StandardError, OutputCapacity);

        using var deadlineSource = new CancellationTokenSource(deadline);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadlineSource.Token);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested && process.HasExited && !cancellationToken.IsCancellationRequested)
        {
            // It finished as the deadline struck: report what it did rather than a timeout for work that is done.
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            BeforeKill(beforeKill, process, logger);
            KillTree(process, logger);
            await WaitReapedAsync(process, logger);
            cancellationToken.ThrowIfCancellationRequested();
            timedOut = true;
        }
        stopwatch.Stop();

        await Task.WhenAny(Task.WhenAll(stdout.Completion, stderr.Completion), Task.Delay(OutputGrace, CancellationToken.None))
            ;
        return new ProcessOutcome(process.ExitCode, timedOut, stopwatch.Elapsed, stdout.ToString(), stderr.ToString());
    }

    private static void BeforeKill(Action? beforeKill, Process process, ILogger logger)
    {
        try
        {
            beforeKill?.Invoke();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            logger.LogWarning(e, "Before killing {Command} (PID {Pid}): the step to take first failed", process.StartInfo.FileName, process.Id);
        }
    }

    private static void KillTree(Process process, ILogger logger)
    {
        logger.LogWarning("Killing {Command} (PID {Pid}) and its descendants", process.StartInfo.FileName, process.Id);
        try
        {
            // .NET stops each process before listing its children, so none escapes by forking meanwhile.
            process.Kill(entireProcessTree: true);
        }
        catch (AggregateException e)
        {
            // Raised when some descendant had exited between listing and signalling: the rest were still signalled.
            logger.LogWarning(e, "Killing the tree of PID {Pid} reported an error", process.Id);
        }
        catch (InvalidOperationException e) when (process.HasExited)
        {
            logger.LogDebug(e, "PID {Pid} exited before it could be killed", process.Id);
        }
    }

    private static async Task WaitReapedAsync(Process process, ILogger logger)
    {
        using var reap = new CancellationTokenSource(ReapGrace);
        try
        {
            await process.WaitForExitAsync(reap.Token);
        }
        catch (OperationCanceledException e) when (reap.IsCancellationRequested)
        {
            throw new InvalidOperationException(
                $"PID {process.Id} ({process.StartInfo.FileName}) survived SIGKILL for {ReapGrace.TotalSeconds} s", e);
        }
        logger.LogDebug("PID {Pid} ended after being killed", process.Id);
    }
}
