using System.Runtime.InteropServices;

namespace Cryo.Testing.Agent.Harness;

/// <summary>The few libc calls the harness needs that .NET does not expose.</summary>
internal static class NativeMethods
{
    public const int SIGSTOP = 19;
    public const int O_RDWR = 0x2;
    public const int O_NOCTTY = 0x100;
    public const int O_CLOEXEC = 0x80000;
    public const int POSIX_FADV_DONTNEED = 4;

    [DllImport("libc", SetLastError = true)]
    public static extern int kill(int pid, int sig);

    [DllImport("libc", SetLastError = true)]
    public static extern int posix_openpt(int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int grantpt(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int unlockpt(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int ptsname_r(int fd, byte[] buf, nuint buflen);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [DllImport("libc")]
    public static extern int posix_fadvise(int fd, long offset, long len, int advice);
}
