using System.Buffers;
using System.Runtime.InteropServices;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// A read-only mapping of a page-cached range of a file on a file system of this node, to hash without the copy a
/// read makes: 0.71 of the CPU of hashing from reads on this project's VM (<c>hack/bench.sh agent --only hashing</c>,
/// mmap_vs_read_cpu_ratio), the difference between the agent's checkpoint and restore keeping pace with CRIU's own on
/// two cores or not (issue 17's benchmark). Only where nobody else can shrink the file under the mapping — a mapped
/// page past the end of file raises SIGBUS, which kills the agent:
/// <list type="bullet">
/// <item>only on local file systems (ext4, XFS, btrfs, tmpfs, overlay, F2FS, ZFS); never on a network volume (NFS,
/// CephFS, SMB, FUSE, which the README recommends for cross-node restores), where another node can truncate a file at
/// any time: those are read;</item>
/// <item>only ranges wholly below the file's current end, of files nobody truncates: committed checkpoints and the
/// pending one at its commit (a deletion unlinks, which leaves a mapping valid) — not the files a
/// <see cref="GrowingFileHasher"/> follows while their writer may still cut them short;</item>
/// <item>only ranges whose pages are all in the page cache (mincore): faulting uncached pages in one by one is slower
/// than reads with readahead.</item>
/// </list>
/// </summary>
internal sealed unsafe class LocalFileMapping : IDisposable
{
    private const int ProtectionRead = 1; // PROT_READ and MAP_SHARED: the same on x86-64 and arm64
    private const int MapShared = 1;
    private const nint MapFailed = -1;

    // statfs(2) f_type of file systems whose files only this node changes.
    private static readonly HashSet<long> LocalFileSystems =
    [
        0xEF53,     // ext2/3/4
        0x58465342, // XFS
        0x9123683E, // btrfs
        0x01021994, // tmpfs
        0x858458F6, // ramfs
        0x794C7630, // overlay
        0xF2F52010, // F2FS
        0x2FC12FC1, // ZFS
    ];

    private readonly nint address;
    private readonly long mappedLength;
    private readonly int skip;
    private readonly int length;

    private LocalFileMapping(nint address, long mappedLength, int skip, int length)
    {
        this.address = address;
        this.mappedLength = mappedLength;
        this.skip = skip;
        this.length = length;
    }

    /// <summary>The range's bytes.</summary>
    public ReadOnlySpan<byte> Span => new((byte*)address + skip, length);

    /// <summary>Maps <paramref name="range"/> when it is safe and worth it (see the class); null means: read it.</summary>
    public static LocalFileMapping? TryMap(FileRange range)
    {
        if (range.Length is <= 0 or > int.MaxValue)
        {
            return null;
        }

        var added = false;
        try
        {
            range.Handle.DangerousAddRef(ref added);
            var fd = checked((int)range.Handle.DangerousGetHandle());
            if (!IsLocal(fd) || RandomAccess.GetLength(range.Handle) < range.Offset + range.Length)
            {
                return null;
            }

            // mmap takes page-aligned offsets: chunk sizes from a manifest need not be multiples of a page.
            var skip = (int)(range.Offset % Environment.SystemPageSize);
            var mappedLength = skip + range.Length;
            var address = Mmap(0, checked((nuint)mappedLength), ProtectionRead, MapShared, fd, range.Offset - skip);
            if (address == MapFailed)
            {
                return null;
            }

            var mapping = new LocalFileMapping(address, mappedLength, skip, (int)range.Length);
            if (!mapping.IsCached())
            {
                mapping.Dispose();
                return null;
            }

            return mapping;
        }
        finally
        {
            if (added)
            {
                range.Handle.DangerousRelease();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _ = Munmap(address, (nuint)mappedLength);

    private static bool IsLocal(int fd)
    {
        // struct statfs starts with f_type (a long) on x86-64 and arm64; 120 bytes in all there.
        var buffer = stackalloc byte[256];
        return Fstatfs(fd, buffer) == 0 && LocalFileSystems.Contains(*(long*)buffer);
    }

    private bool IsCached()
    {
        var pages = (int)((mappedLength + Environment.SystemPageSize - 1) / Environment.SystemPageSize);
        var vector = ArrayPool<byte>.Shared.Rent(pages);
        try
        {
            fixed (byte* v = vector)
            {
                if (Mincore(address, (nuint)mappedLength, v) != 0)
                {
                    return false;
                }
            }

            return AllResident(vector.AsSpan(0, pages));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(vector);
        }
    }

    // mincore sets bit 0 for a resident page; the other bits are reserved.
    private static bool AllResident(ReadOnlySpan<byte> vector)
    {
        foreach (var page in vector)
        {
            if ((page & 1) == 0)
            {
                return false;
            }
        }

        return true;
    }

    [DllImport("libc", EntryPoint = "fstatfs")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fstatfs(int fd, byte* buffer);

    [DllImport("libc", EntryPoint = "mmap")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [DllImport("libc", EntryPoint = "munmap")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Munmap(nint address, nuint length);

    [DllImport("libc", EntryPoint = "mincore")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Mincore(nint address, nuint length, byte* vector);
}
