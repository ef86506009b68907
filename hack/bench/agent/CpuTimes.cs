using System.Runtime.InteropServices;

namespace Cryo.Bench.Agent;

/// <summary>
/// CPU seconds (user + system) of this process and of its reaped children (getrusage): around a run, the
/// children's delta is what CRIU (and its nsenter/unshare prefix) burned, the self delta what the agent's
/// own threads (image hashing, manifest, verification) burned. Wall time above CPU time is waiting.
/// </summary>
public static partial class CpuTimes
{
    private const int Self = 0;
    private const int Children = -1;

    public static (double Self, double Children) Now() => (Read(Self), Read(Children));

    private static double Read(int who)
    {
        if (GetRusage(who, out var usage) != 0)
        {
            throw new InvalidOperationException($"getrusage({who}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return usage.UserSeconds + usage.UserMicros / 1e6 + usage.SystemSeconds + usage.SystemMicros / 1e6;
    }

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, out Rusage usage);

    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicros;
        public long SystemSeconds;
        public long SystemMicros;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVcsw, NIvcsw;
    }
}
