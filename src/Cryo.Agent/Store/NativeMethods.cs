using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Store;

/// <summary>
/// The few system calls .NET does not expose: fsync of a directory (needed for a durable rename), rename
/// without replacing (so two agents committing one key cannot overwrite each other), dropping cached pages.
/// Hard links are <see cref="Filesystem.NativeMethods.HardLink"/>.
/// </summary>
internal static class NativeMethods
{
    private const int AtFdCwd = -100;
    private const uint RenameNoReplaceFlag = 1;
    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC, the same on x86-64 and arm64
    private const int AdviseDontNeed = 4; // POSIX_FADV_DONTNEED on Linux
    private const int ErrorNoEntry = 2;
    private const int ErrorExists = 17;
    private const int ErrorInvalid = 22;
    private const int ErrorNotSupported = 38;
    private const int ErrorNotEmpty = 39;

    /// <summary>Flushes a directory's entries to disk (after creating or renaming something in it).</summary>
    public static void FsyncDirectory(string path)
    {
        var fd = Open(path, ReadOnlyCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"open({path}) for fsync failed", new Win32Exception(Marshal.GetLastPInvokeError()));
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync({path}) failed", new Win32Exception(Marshal.GetLastPInvokeError()));
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Renames <paramref name="source"/> to <paramref name="destination"/> atomically, failing if the
    /// destination exists. Returns false if it exists. Falls back to a checked rename(2) on file systems
    /// without RENAME_NOREPLACE (the destination of a commit is never an empty directory, and rename(2)
    /// refuses a non-empty one, so the fallback cannot overwrite a checkpoint either).
    /// </summary>
    public static bool RenameNoReplace(string source, string destination)
    {
        if (RenameAt2(AtFdCwd, source, AtFdCwd, destination, RenameNoReplaceFlag) == 0)
        {
            return true;
        }

        var error = Marshal.GetLastPInvokeError();
        if (error == ErrorExists)
        {
            return false;
        }

        if (error is ErrorInvalid or ErrorNotSupported)
        {
            if (Directory.Exists(destination) || File.Exists(destination))
            {
                return false;
            }

            if (Rename(source, destination) == 0)
            {
                return true;
            }

            error = Marshal.GetLastPInvokeError();
            if (error is ErrorExists or ErrorNotEmpty)
            {
                return false;
            }
        }

        var inner = new Win32Exception(error);
        throw error == ErrorNoEntry
            ? new DirectoryNotFoundException($"rename({source}, {destination}) failed: {inner.Message}", inner)
            : new IOException($"rename({source}, {destination}) failed: {inner.Message}", inner);
    }

    /// <summary>
    /// Asks the kernel to drop <paramref name="path"/>'s clean pages from the page cache (<c>posix_fadvise</c>
    /// <c>POSIX_FADV_DONTNEED</c>); dirty pages are only queued for writeback. A hint: false when it could not be given.
    /// </summary>
    public static bool DropCachedPages(string path)
    {
        var fd = Open(path, ReadOnlyCloseOnExec);
        if (fd < 0)
        {
            return false;
        }
        try
        {
            // posix_fadvise returns the error number itself rather than setting errno.
            return PosixFadvise(fd, 0, 0, AdviseDontNeed) == 0;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "posix_fadvise")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int PosixFadvise(int fd, long offset, long length, int advice);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int RenameAt2(
        int oldDirectoryFd,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath,
        int newDirectoryFd,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath,
        uint flags);

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Rename(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
}
