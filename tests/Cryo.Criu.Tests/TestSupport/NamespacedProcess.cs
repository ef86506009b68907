using System.Diagnostics;

namespace Cryo.Criu.Tests.TestSupport;

/// <summary>
/// A command run as PID 1 of its own PID namespace and leader of its own session (<c>unshare -p -f setsid</c>), sharing
/// the host's mount and network namespaces: the tree the workloads of these tests are, which CRIU dumps without
/// --shell-job. Disposing kills the namespace's PID 1 (and with it the rest) and the unshare that waits for it.
/// </summary>
internal sealed class NamespacedProcess : IDisposable
{
    private readonly Process _unshare;

    private NamespacedProcess(Process unshare, int rootPid)
    {
        _unshare = unshare;
        RootPid = rootPid;
    }

    /// <summary>Host PID of the namespace's PID 1, the root of the tree to dump.</summary>
    public int RootPid { get; }

    /// <summary>
    /// Runs <paramref name="command"/> (program and arguments) and waits until its PID 1 exists and
    /// <paramref name="isReady"/> holds; if that takes longer than <paramref name="timeout"/>, ends it and throws,
    /// naming <paramref name="what"/>.
    /// </summary>
    public static async Task<NamespacedProcess> StartAsync(IReadOnlyList<string> command, Func<bool> isReady, TimeSpan timeout, string what)
    {
        // Only 0–2 reach the child (.NET opens everything else close-on-exec); point them at /dev/null so the tree holds
        // no pipe to this test process. setsid inside the namespace: a session leader outside it cannot be dumped.
        var startInfo = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var argument in (string[])["-c", "exec unshare -p -f setsid \"$@\" </dev/null >/dev/null 2>&1", "sh", .. command])
        {
            startInfo.ArgumentList.Add(argument);
        }
        var unshare = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start unshare");
        var root = 0;
        var started = await ProcessTable.WaitUntilAsync(() =>
        {
            var children = ProcessTable.Children(unshare.Id);
            root = children.Count > 0 ? children[0] : 0;
            return root > 0 && isReady();
        }, timeout);
        if (!started)
        {
            unshare.Kill(entireProcessTree: true);
            unshare.Dispose();
            throw new InvalidOperationException($"{what} did not start");
        }
        return new NamespacedProcess(unshare, root);
    }

    public void Dispose()
    {
        // A namespace's PID 1 ignores signals it does not handle, except SIGKILL from outside; its death ends the rest.
        ProcessTable.KillNamespaceInit(RootPid);
        if (!_unshare.HasExited)
        {
            _unshare.Kill(entireProcessTree: true);
        }
        _unshare.WaitForExit(10_000);
        _unshare.Dispose();
    }
}
