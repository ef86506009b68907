using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Store;

/// <summary>
/// The few system calls .NET does not expose: fsync of a directory (needed for a durable rename), rename
/// without replacing (so two agents committing one key cannot overwrite each other), and a bare read-only
/// mmap with mincore (hashing a page-cached file from its mapping saves the copy a read makes).
/// </summary>
internal static class NativeMethods
{
    private const int AtFdCwd = -100;
    private const uint RenameNoReplaceFlag = 1;
    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC, the same on x86-64 and arm64
    private const int ErrorNoEntry = 2;
    private const int ErrorExists = 17;
    private const int ErrorInvalid = 22;
    private const int ErrorNotSupported = 38;
    private const int ErrorNotEmpty = 39;
    private const int ProtectionRead = 1; // PROT_READ, MAP_SHARED: the same on x86-64 and arm64
    private const int MapSharedFlag = 1;
    private const nint MapFailed = -1;

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
    /// Maps <paramref name="length"/> bytes of a file read-only from <paramref name="offset"/> (a multiple of
    /// the page size), or returns false when the kernel refuses (a file system without mmap, no address space
    /// left): the caller reads instead. Map only bytes that exist and that nobody truncates while mapped: a
    /// mapped page past the end of file raises SIGBUS when touched, and that kills the process.
    /// </summary>
    public static bool TryMapReadOnly(SafeFileHandle handle, long offset, long length, out nint address)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            address = Mmap(0, checked((nuint)length), ProtectionRead, MapSharedFlag, checked((int)handle.DangerousGetHandle()), offset);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return address != MapFailed;
    }

    /// <summary>
    /// Whether the page of a file mapping at <paramref name="address"/> (page-aligned) is in the page cache
    /// (mincore(2)); false when the kernel cannot say. The kernel tells only a process that owns the file, may
    /// write it or has CAP_FOWNER (the agent, in its own store); anyone else hears only of pages it touched.
    /// </summary>
    public static bool IsPageResident(nint address) => Mincore(address, 1, out var vector) == 0 && (vector & 1) != 0;

    /// <summary>Removes a mapping made by <see cref="TryMapReadOnly"/>.</summary>
    /// <exception cref="InvalidOperationException">munmap(2) refused: it only does for arguments that name no mapping.</exception>
    public static void Unmap(nint address, long length)
    {
        if (Munmap(address, checked((nuint)length)) != 0)
        {
            throw new InvalidOperationException($"munmap({address:x}, {length}) failed", new Win32Exception(Marshal.GetLastPInvokeError()));
        }
    }

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

    [DllImport("libc", EntryPoint = "mmap")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Munmap(nint address, nuint length);

    [DllImport("libc", EntryPoint = "mincore")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Mincore(nint address, nuint length, out byte vector);

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Rename(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
}
