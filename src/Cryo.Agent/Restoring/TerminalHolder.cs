using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Restoring;

/// <summary>
/// A new pseudo-terminal for a restored shell job. CRIU gets the slave (under the checkpointed terminal's
/// name); the holder keeps the master open for the restored tree's whole life and copies what the tree
/// writes to its terminal into a file. Without a reader the tree would block once the terminal's buffer
/// fills; without the master its writes would fail.
/// </summary>
public sealed partial class TerminalHolder : IDisposable
{
    private const int OpenReadWrite = 2;
    private const int NoControllingTerminal = 0x100;

    private readonly SafeFileHandle master;
    private readonly Task pump;

    private TerminalHolder(SafeFileHandle master, string slavePath, string outputPath)
    {
        this.master = master;
        SlavePath = slavePath;
        pump = Task.Factory.StartNew(() => Pump(outputPath), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The slave's path (<c>/dev/pts/N</c>), for CRIU to open.</summary>
    public string SlavePath { get; }

    /// <summary>Whether the restored tree has closed its terminal (it ended).</summary>
    public bool Ended => pump.IsCompleted;

    /// <summary>Opens a new pseudo-terminal whose output goes to <paramref name="outputPath"/>.</summary>
    public static TerminalHolder Open(string outputPath)
    {
        var fd = PosixOpenPt(OpenReadWrite | NoControllingTerminal);
        if (fd < 0 || GrantPt(fd) != 0 || UnlockPt(fd) != 0)
        {
            throw new IOException($"cannot open a pseudo-terminal for the restored shell job (errno {Marshal.GetLastPInvokeError()})");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var name = new byte[128];
        if (PtsName(fd, name, name.Length) != 0)
        {
            handle.Dispose();
            throw new IOException("cannot name the pseudo-terminal for the restored shell job");
        }
        return new TerminalHolder(handle, Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0)), outputPath);
    }

    /// <summary>Closes the master (the tree, if still running, loses its terminal).</summary>
    public void Dispose() => master.Dispose();

    private void Pump(string outputPath)
    {
        using var output = new FileStream(outputPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        using var input = new FileStream(master, FileAccess.Read, 1);
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
            {
                output.Write(buffer, 0, read);
                output.Flush();
            }
        }
        catch (IOException)
        {
            // EIO: every slave descriptor is closed, the restored tree has ended.
        }
        catch (ObjectDisposedException)
        {
            // The holder was disposed (a failed restore, or the agent stopping).
        }
    }

    [DllImport("libc", EntryPoint = "posix_openpt", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int PosixOpenPt(int flags);

    [DllImport("libc", EntryPoint = "grantpt", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int GrantPt(int fd);

    [DllImport("libc", EntryPoint = "unlockpt", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int UnlockPt(int fd);

    [DllImport("libc", EntryPoint = "ptsname_r", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int PtsName(int fd, byte[] buffer, int length);
}
