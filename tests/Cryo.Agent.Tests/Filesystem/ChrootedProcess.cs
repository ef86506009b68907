using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Cryo.Agent.Tests.Filesystem;

/// <summary>
/// A process whose root is a given directory (like a container's init), running a static "pause" built
/// from pause.c. Killed by PID on dispose.
/// </summary>
internal sealed class ChrootedProcess : IDisposable
{
    private readonly Process _process;

    private ChrootedProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public static ChrootedProcess Start(string root)
    {
        var binary = Path.Join(root, "pause");
        Command.Run("gcc", "-static", "-Os", "-o", binary, Path.Join(Path.GetDirectoryName(SourcePath())!, "pause.c"));
        var start = new ProcessStartInfo("chroot") { RedirectStandardError = true };
        start.ArgumentList.Add(root);
        start.ArgumentList.Add("/pause");
        var process = Process.Start(start)!;
        // chroot execs pause: wait until the PID's root is the new root, so mountinfo is read from it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (new DirectoryInfo($"/proc/{process.Id}/root").ResolveLinkTarget(false)?.FullName != root && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        return new ChrootedProcess(process);
    }

    public void Dispose()
    {
        _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }

    private static string SourcePath([CallerFilePath] string path = "") => path;
}
