using System.Runtime.InteropServices;

namespace Cryo.Testing.Node;

/// <summary>kill(2) for the node harness (containerd is stopped with SIGTERM first, as a service manager does).</summary>
internal static class NativeSignal
{
    public const int SIGTERM = 15;
    public const int SIGKILL = 9;

    /// <summary>Sends a signal; returns false when the process is gone (ESRCH).</summary>
    public static bool Send(int pid, int signal) => kill(pid, signal) == 0;

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int kill(int pid, int sig);
}
