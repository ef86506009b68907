using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Filesystem;

/// <summary>
/// The file system calls .NET does not expose: owners, nanosecond times and extended attributes of a
/// path without following a final symlink, hard links and FIFOs. statx is used instead of lstat because
/// its structure has one layout on every architecture.
/// </summary>
internal static class NativeMethods
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;
    private const int ErrorNoData = 61; // ENODATA: the attribute is not set
    private const int ErrorRange = 34; // ERANGE: the buffer became too small between two calls
    private const int ErrorNotSupported = 95; // EOPNOTSUPP: the file system has no extended attributes
    private const int ErrorPermission = 1; // EPERM
    private const int ErrorAccess = 13; // EACCES
    private const int ErrorNoEntry = 2; // ENOENT
    private const int ErrorNotDirectory = 20; // ENOTDIR: a component on the way is a file

    /// <summary>lstat(2) through statx: the status of <paramref name="path"/> itself, never a symlink's target.</summary>
    public static FileStatus LStat(string path)
    {
        var buffer = new byte[StatxSize];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            throw Failure("statx", path);
        }

        return FileStatus.FromStatx(buffer);
    }

    /// <summary>Like <see cref="LStat"/> but returns null when nothing exists at <paramref name="path"/>.</summary>
    public static FileStatus? TryLStat(string path) => TryStatx(path, AtSymlinkNoFollow);

    /// <summary>stat(2): the status of what <paramref name="path"/> leads to; null when nothing is there.</summary>
    public static FileStatus? TryStat(string path) => TryStatx(path, 0);

    private static FileStatus? TryStatx(string path, int flags)
    {
        var buffer = new byte[StatxSize];
        if (Statx(AtFdCwd, path, flags, StatxBasicStats, buffer) == 0)
        {
            return FileStatus.FromStatx(buffer);
        }

        var error = Marshal.GetLastPInvokeError();
        if (error is ErrorNoEntry or ErrorNotDirectory)
        {
            return null;
        }

        throw Failure("statx", path, error);
    }

    /// <summary>fstat(2) through statx: the status of the file <paramref name="handle"/> has open (no path walked again).</summary>
    public static FileStatus FStat(SafeFileHandle handle, string path)
    {
        var buffer = new byte[StatxSize];
        if (StatxFd(handle, "", AtEmptyPath, StatxBasicStats, buffer) != 0)
        {
            throw Failure("statx", path);
        }

        return FileStatus.FromStatx(buffer);
    }

    /// <summary>Sets access and modification times of the file <paramref name="handle"/> has open (futimens(3)).</summary>
    public static void SetTimes(SafeFileHandle handle, string path, FileTimestamp access, FileTimestamp modification)
    {
        long[] times = [access.Seconds, access.Nanoseconds, modification.Seconds, modification.Nanoseconds];
        if (Futimens(handle, times) != 0)
        {
            throw Failure("futimens", path);
        }
    }

    /// <summary>Sets the owner of <paramref name="path"/> itself (a symlink is not followed).</summary>
    public static void LChown(string path, int uid, int gid)
    {
        if (Lchown(path, uid, gid) != 0)
        {
            throw Failure("lchown", path);
        }
    }

    /// <summary>Sets access and modification times with nanosecond precision, not following a final symlink.</summary>
    public static void SetTimes(string path, FileTimestamp access, FileTimestamp modification)
    {
        long[] times = [access.Seconds, access.Nanoseconds, modification.Seconds, modification.Nanoseconds];
        if (UtimensAt(AtFdCwd, path, times, AtSymlinkNoFollow) != 0)
        {
            throw Failure("utimensat", path);
        }
    }

    /// <summary>Creates a hard link <paramref name="newPath"/> to <paramref name="existingPath"/> (same filesystem).</summary>
    /// <exception cref="IOException">The link could not be made; the message names both paths.</exception>
    public static void HardLink(string existingPath, string newPath)
    {
        if (Link(existingPath, newPath) != 0)
        {
            throw Failure("link", $"{existingPath}, {newPath}");
        }
    }

    /// <summary>Creates a FIFO (named pipe) at <paramref name="path"/>.</summary>
    public static void MakeFifo(string path, UnixFileMode mode)
    {
        if (Mkfifo(path, (uint)mode) != 0)
        {
            throw Failure("mkfifo", path);
        }
    }

    /// <summary>
    /// The names of the extended attributes of <paramref name="path"/> itself; empty when the file system
    /// has none.
    /// </summary>
    public static IReadOnlyList<string> ListAttributes(string path)
    {
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var size = Llistxattr(path, null, 0);
            if (size < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error == ErrorNotSupported)
                {
                    return [];
                }

                throw Failure("llistxattr", path, error);
            }

            if (size == 0)
            {
                return [];
            }

            var buffer = new byte[size];
            var read = Llistxattr(path, buffer, (nuint)buffer.Length);
            if (read < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error == ErrorRange)
                {
                    continue;
                }

                throw Failure("llistxattr", path, error);
            }

            return System.Text.Encoding.UTF8.GetString(buffer, 0, (int)read)
                .Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }

        throw new IOException($"llistxattr({path}): the attribute list kept changing");
    }

    /// <summary>
    /// The value of extended attribute <paramref name="name"/> of <paramref name="path"/> itself; null when
    /// it is not set or the caller may not read it (trusted.* needs CAP_SYS_ADMIN).
    /// </summary>
    public static byte[]? GetAttribute(string path, string name)
    {
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var size = Lgetxattr(path, name, null, 0);
            if (size < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error is ErrorNoData or ErrorNotSupported or ErrorPermission or ErrorAccess)
                {
                    return null;
                }

                throw Failure("lgetxattr", path, error);
            }

            var buffer = new byte[size];
            var read = Lgetxattr(path, name, buffer, (nuint)buffer.Length);
            if (read >= 0)
            {
                return read == buffer.Length ? buffer : buffer[..(int)read];
            }

            var readError = Marshal.GetLastPInvokeError();
            if (readError != ErrorRange)
            {
                throw Failure("lgetxattr", path, readError);
            }
        }

        throw new IOException($"lgetxattr({path}, {name}): the value kept changing");
    }

    /// <summary>Sets extended attribute <paramref name="name"/> of <paramref name="path"/> itself.</summary>
    public static void SetAttribute(string path, string name, byte[] value)
    {
        if (Lsetxattr(path, name, value, (nuint)value.Length, 0) != 0)
        {
            throw Failure($"lsetxattr {name}", path);
        }
    }

    private static IOException Failure(string call, string path) => Failure(call, path, Marshal.GetLastPInvokeError());

    private static IOException Failure(string call, string path, int error)
    {
        var inner = new Win32Exception(error);
        return new IOException($"{call}({path}) failed: {inner.Message}", inner);
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(
        int directoryFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int StatxFd(
        SafeFileHandle fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    // Not glibc's utimensat with a null path, which it refuses (EINVAL) though the kernel takes it.
    [DllImport("libc", EntryPoint = "futimens", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Futimens(SafeFileHandle fd, long[] times);

    [DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Lchown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int uid, int gid);

    [DllImport("libc", EntryPoint = "utimensat", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int UtimensAt(
        int directoryFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, long[] times, int flags);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Link(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string existingPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", EntryPoint = "llistxattr", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint Llistxattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[]? list, nuint size);

    [DllImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint Lgetxattr(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        [Out] byte[]? value,
        nuint size);

    [DllImport("libc", EntryPoint = "lsetxattr", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Lsetxattr(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        byte[] value,
        nuint size,
        int flags);
}
