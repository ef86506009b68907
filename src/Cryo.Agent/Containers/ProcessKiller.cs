using System.Runtime.InteropServices;

namespace Cryo.Agent.Containers;

/// <summary>
/// Sends SIGKILL by PID. Cleanup uses SIGKILL because a PID-namespace init ignores signals it has no
/// handler for, and CRIU ignores SIGTERM.
/// </summary>
public static partial class ProcessKiller
{
    private const int SigKill = 9;

    /// <summary>Sends SIGKILL; true when the signal was delivered (false when the process is gone).</summary>
    public static bool Kill(int pid) => pid > 1 && NativeKill(pid, SigKill) == 0;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int NativeKill(int pid, int signal);
}
