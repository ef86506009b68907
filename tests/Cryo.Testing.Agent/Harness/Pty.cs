using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Testing.Agent.Harness;

/// <summary>
/// A pseudo-terminal pair: the harness keeps the master (and reads what the workload writes to its
/// terminal from it); the workload opens <see cref="SlavePath"/> as its stdio and controlling terminal.
/// </summary>
public sealed class Pty : IDisposable
{
    private readonly SafeFileHandle _master;

    private Pty(SafeFileHandle master, string slavePath)
    {
        _master = master;
        SlavePath = slavePath;
    }

    /// <summary>The slave side, e.g. <c>/dev/pts/3</c>.</summary>
    public string SlavePath { get; }

    /// <summary>Allocates a pty pair (the master is close-on-exec, so no workload inherits it).</summary>
    public static Pty Open()
    {
        var fd = NativeMethods.posix_openpt(NativeMethods.O_RDWR | NativeMethods.O_NOCTTY | NativeMethods.O_CLOEXEC);
        if (fd < 0)
        {
            throw new Win32Exception(Marshal.GetLastWin32Error(), "posix_openpt failed");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var name = new byte[128];
        if (NativeMethods.grantpt(fd) != 0 || NativeMethods.unlockpt(fd) != 0
            || NativeMethods.ptsname_r(fd, name, (nuint)name.Length) != 0)
        {
            var error = Marshal.GetLastWin32Error();
            handle.Dispose();
            throw new Win32Exception(error, "grantpt/unlockpt/ptsname_r failed");
        }

        return new Pty(handle, Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0)));
    }

    /// <summary>A stream reading the master: everything the workload writes to its terminal.</summary>
    public Stream OpenReader() => new FileStream(_master, FileAccess.Read, bufferSize: 1);

    /// <inheritdoc />
    public void Dispose() => _master.Dispose();
}
