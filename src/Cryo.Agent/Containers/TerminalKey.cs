using System.Globalization;
using System.Runtime.InteropServices;

namespace Cryo.Agent.Containers;

/// <summary>
/// Names a terminal the way CRIU's <c>--inherit-fd fd[N]:tty[RDEV:DEV]</c> does: the device number of the
/// terminal and of the filesystem it lives on (devpts), in hexadecimal. A tree checkpointed with a
/// controlling terminal is restored by giving CRIU a new terminal under the old one's name.
/// </summary>
public static partial class TerminalKey
{
    private const int StatSize = 144; // struct stat on x86-64 and arm64 glibc
    private const int DeviceOffset = 0;
    private const int ModeOffset = 24;
    private const int RawDeviceOffset = 40;
    private const uint FileTypeMask = 0xF000;
    private const uint CharacterDevice = 0x2000;

    /// <summary>The key of the terminal at <paramref name="path"/> (e.g. <c>/proc/PID/fd/0</c>), or null when it is not a terminal.</summary>
    public static string? Of(string path)
    {
        // By device number, not by name: a terminal opened outside the container's mounts reads back
        // through /proc as a path relative to a devpts the reader may not see ("/3").
        var buffer = new byte[StatSize];
        if (Stat(path, buffer) != 0 || (BitConverter.ToUInt32(buffer, ModeOffset) & FileTypeMask) != CharacterDevice)
        {
            return null;
        }
        var device = BitConverter.ToUInt64(buffer, DeviceOffset);
        var rawDevice = BitConverter.ToUInt64(buffer, RawDeviceOffset);
        if (!IsPseudoTerminalSlave(rawDevice))
        {
            return null;
        }
        return string.Create(CultureInfo.InvariantCulture, $"tty[{rawDevice:x}:{device:x}]");
    }

    /// <summary>Unix98 pseudo-terminal slaves have majors 136–143 (glibc's dev_t encoding).</summary>
    private static bool IsPseudoTerminalSlave(ulong rawDevice)
    {
        var major = ((rawDevice >> 8) & 0xfff) | ((rawDevice >> 32) & ~0xfffUL);
        return major is >= 136 and <= 143;
    }

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);
}
