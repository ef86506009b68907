using System.Buffers.Binary;

namespace Cryo.Agent.Filesystem;

/// <summary>What statx reports about one path (the path itself, not a symlink's target).</summary>
internal sealed record FileStatus(
    uint RawMode,
    int Uid,
    int Gid,
    long Size,
    uint LinkCount,
    ulong Inode,
    uint DeviceMajor,
    uint DeviceMinor,
    uint RdevMajor,
    uint RdevMinor,
    FileTimestamp AccessTime,
    FileTimestamp ModificationTime)
{
    private const uint TypeMask = 0xF000;

    /// <summary>Permission bits with setuid, setgid and sticky.</summary>
    public UnixFileMode Permissions => (UnixFileMode)(RawMode & 0xFFF);

    public bool IsDirectory => (RawMode & TypeMask) == 0x4000;

    public bool IsRegularFile => (RawMode & TypeMask) == 0x8000;

    public bool IsSymbolicLink => (RawMode & TypeMask) == 0xA000;

    public bool IsCharacterDevice => (RawMode & TypeMask) == 0x2000;

    public bool IsBlockDevice => (RawMode & TypeMask) == 0x6000;

    public bool IsFifo => (RawMode & TypeMask) == 0x1000;

    public bool IsSocket => (RawMode & TypeMask) == 0xC000;

    /// <summary>An overlayfs whiteout: a character device with device number 0:0.</summary>
    public bool IsOverlayWhiteout => IsCharacterDevice && RdevMajor == 0 && RdevMinor == 0;

    /// <summary>Decodes the kernel's struct statx (the same layout on every architecture).</summary>
    public static FileStatus FromStatx(ReadOnlySpan<byte> b) => new(
        RawMode: BinaryPrimitives.ReadUInt16LittleEndian(b[28..]),
        Uid: (int)BinaryPrimitives.ReadUInt32LittleEndian(b[20..]),
        Gid: (int)BinaryPrimitives.ReadUInt32LittleEndian(b[24..]),
        Size: (long)BinaryPrimitives.ReadUInt64LittleEndian(b[40..]),
        LinkCount: BinaryPrimitives.ReadUInt32LittleEndian(b[16..]),
        Inode: BinaryPrimitives.ReadUInt64LittleEndian(b[32..]),
        DeviceMajor: BinaryPrimitives.ReadUInt32LittleEndian(b[136..]),
        DeviceMinor: BinaryPrimitives.ReadUInt32LittleEndian(b[140..]),
        RdevMajor: BinaryPrimitives.ReadUInt32LittleEndian(b[128..]),
        RdevMinor: BinaryPrimitives.ReadUInt32LittleEndian(b[132..]),
        AccessTime: Timestamp(b[64..]),
        ModificationTime: Timestamp(b[112..]));

    private static FileTimestamp Timestamp(ReadOnlySpan<byte> b) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(b), BinaryPrimitives.ReadUInt32LittleEndian(b[8..]));
}
