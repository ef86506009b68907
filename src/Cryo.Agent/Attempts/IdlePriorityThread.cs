using System.Runtime.InteropServices;

namespace Cryo.Agent.Attempts;

/// <summary>
/// Runs work that goes beside CRIU, and that CRIU does not wait for, on a thread of its own at the kernel's lowest CPU
/// priority (<c>SCHED_IDLE</c>): on a node whose cores are all busy CRIU gets them first, and the work takes what is left.
/// The scheduling policy is per thread on Linux, so it neither reaches the agent's other threads nor outlives the work.
/// </summary>
/// <remarks>
/// Lowering a thread's own priority needs no privilege. Where the call fails anyway (not Linux, a seccomp filter), the work
/// runs at the agent's priority: it is the same work, only less polite.
/// </remarks>
public static class IdlePriorityThread
{
    private const int SchedIdle = 5;

    /// <summary>Runs <paramref name="work"/> on a new thread at <c>SCHED_IDLE</c>; the task ends with it.</summary>
    /// <param name="name">The thread's name, as debuggers and <c>/proc/PID/task/TID/comm</c> show it.</param>
    /// <param name="work">Synchronous work: an await inside would continue on a thread-pool thread at normal priority.</param>
    public static Task<T> RunAsync<T>(string name, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            LowerOwnPriority();
            try
            {
                done.SetResult(work());
            }
            catch (OperationCanceledException e)
            {
                done.SetCanceled(e.CancellationToken);
            }
#pragma warning disable CA1031 // the work's failure is the task's, as Task.Run would report it
            catch (Exception e)
#pragma warning restore CA1031
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Whether the calling thread now runs at <c>SCHED_IDLE</c>.</summary>
    internal static bool IsIdle() => OperatingSystem.IsLinux() && SchedGetScheduler(0) == SchedIdle;

    private static void LowerOwnPriority()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        // PID 0 is the calling thread (a Linux thread is a task of its own); SCHED_IDLE takes priority 0.
        var parameter = 0;
        _ = SchedSetScheduler(0, SchedIdle, ref parameter);
    }

    [DllImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SchedSetScheduler(int pid, int policy, ref int parameter);

    [DllImport("libc", EntryPoint = "sched_getscheduler", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SchedGetScheduler(int pid);
}
