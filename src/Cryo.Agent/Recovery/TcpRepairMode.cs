using System.Globalization;
using System.Runtime.InteropServices;

namespace Cryo.Agent.Recovery;

/// <summary>
/// Takes the TCP sockets of a tree out of repair mode. CRIU puts each established connection it dumps
/// into repair mode (<c>TCP_REPAIR</c>: the kernel then neither sends nor acknowledges anything on it)
/// and takes it out only at the end of the dump; a CRIU that is killed leaves the sockets frozen that
/// way, and the connections stay dead even once its nftables lock is gone. The agent reaches each
/// socket with <c>pidfd_getfd</c> and does what CRIU would have done: <c>TCP_REPAIR_OFF</c>. Sockets not
/// in repair mode are left untouched. While a socket is in repair mode the application's reads fail with
/// EPERM, so this must happen before anything can reach it: before CRIU's nftables lock is removed.
/// </summary>
public static class TcpRepairMode
{
    private const long SysPidfdOpen = 434, SysPidfdGetfd = 438; // the same on every architecture (since Linux 5.6)
    private const int SolSocket = 1, SoDomain = 39, SoProtocol = 38;
    private const int SolTcp = 6, TcpRepair = 19, TcpRepairOff = 0;
    private const int AfInet = 2, AfInet6 = 10, IpProtoTcp = 6;
    private const int Esrch = 3, Ebadf = 9;

    /// <summary>Turns repair mode off on every TCP socket of <paramref name="pids"/> that is in it.</summary>
    /// <returns>How many sockets were taken out of repair mode, and what could not be done (empty when all went well).</returns>
    public static (int Resumed, IReadOnlyList<string> Problems) TurnOff(IEnumerable<int> pids)
    {
        ArgumentNullException.ThrowIfNull(pids);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        var resumed = 0;
        foreach (var pid in pids)
        {
            var pidfd = (int)Syscall(SysPidfdOpen, pid, 0, 0);
            if (pidfd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Esrch)
                {
                    problems.Add($"pidfd_open({pid}): errno {errno}");
                }
                continue;
            }
            try
            {
                foreach (var fd in SocketDescriptors(pid, seen))
                {
                    if (ResumeOne(pidfd, pid, fd, problems))
                    {
                        resumed++;
                    }
                }
            }
            finally
            {
                _ = Close(pidfd);
            }
        }
        return (resumed, problems);
    }

    // Each socket once, through the first descriptor found for it (dup'ed and inherited ones share it).
    private static List<int> SocketDescriptors(int pid, HashSet<string> seen)
    {
        var found = new List<int>();
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return found; // the process is gone
        }
        foreach (var entry in entries)
        {
            string? target;
            try
            {
                target = new FileInfo(entry).LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed meanwhile
            }
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && seen.Add(target)
                && int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var fd))
            {
                found.Add(fd);
            }
        }
        return found;
    }

    private static bool ResumeOne(int pidfd, int pid, int targetFd, List<string> problems)
    {
        var fd = (int)Syscall(SysPidfdGetfd, pidfd, targetFd, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is not (Ebadf or Esrch))
            {
                problems.Add($"pidfd_getfd(PID {pid}, fd {targetFd}): errno {errno}");
            }
            return false;
        }
        try
        {
            if (GetOption(fd, SolSocket, SoDomain) is not (AfInet or AfInet6) || GetOption(fd, SolSocket, SoProtocol) != IpProtoTcp
                || GetOption(fd, SolTcp, TcpRepair) != 1)
            {
                return false;
            }
            var off = TcpRepairOff;
            if (SetSockOpt(fd, SolTcp, TcpRepair, ref off, sizeof(int)) != 0)
            {
                problems.Add($"TCP_REPAIR_OFF on PID {pid} fd {targetFd}: errno {Marshal.GetLastPInvokeError()}");
                return false;
            }
            return true;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static int? GetOption(int fd, int level, int name)
    {
        var value = 0;
        var length = (uint)sizeof(int);
        return GetSockOpt(fd, level, name, ref value, ref length) == 0 ? value : null;
    }

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern long Syscall(long number, long argument1, long argument2, long argument3);

    [DllImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int GetSockOpt(int fd, int level, int name, ref int value, ref uint length);

    [DllImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetSockOpt(int fd, int level, int name, ref int value, uint length);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
