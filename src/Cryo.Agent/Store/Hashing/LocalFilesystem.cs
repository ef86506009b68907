using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// Whether an open file lies on a file system of this node's own (ext4, XFS, btrfs, tmpfs, overlay), where only this
/// node can change it: the verification may hash it from a memory map. On anything else (NFS, CephFS, FUSE, a type
/// not known here) another node or a user-space server can shrink the file under the mapping, and touching a page cut
/// off raises SIGBUS, which kills the agent: those files are read.
/// </summary>
internal static class LocalFilesystem
{
    // statfs(2) f_type magic numbers (linux/magic.h).
    private static readonly HashSet<long> Local =
    [
        0xEF53,        // ext2/3/4
        0x58465342,    // XFS
        0x9123683E,    // btrfs
        0x01021994,    // tmpfs
        0x794C7630,    // overlayfs
    ];

    /// <summary>Whether <paramref name="handle"/>'s file system is one this node alone changes.</summary>
    public static bool Holds(SafeFileHandle handle) => NativeMethods.FilesystemType(handle) is { } type && Local.Contains(type);
}
