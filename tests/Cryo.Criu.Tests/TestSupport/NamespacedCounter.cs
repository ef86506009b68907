using System.Diagnostics;
using System.Globalization;

namespace Cryo.Criu.Tests.TestSupport;

/// <summary>
/// A tiny workload CRIU can dump: a shell counting into a file, PID 1 of its own PID namespace and leader of its own
/// session (so no --shell-job), sharing the host's mount and network namespaces (so no --root).
/// </summary>
internal sealed class NamespacedCounter : IDisposable
{
    // Appending keeps the file exempt from CRIU's size check when the dump catches it open.
    private const string CounterScript = "i=0; while :; do i=$((i+1)); echo $i >> \"$0\"; sleep 0.1; done";

    private readonly Process _unshare;

    private NamespacedCounter(Process unshare, int rootPid, string counterFile)
    {
        _unshare = unshare;
        RootPid = rootPid;
        CounterFile = counterFile;
    }

    /// <summary>Host PID of the namespace's PID 1, the root of the tree to dump.</summary>
    public int RootPid { get; }

    /// <summary>One number per line, counting from 1.</summary>
    public string CounterFile { get; }

    /// <summary>Starts the counter; with <paramref name="lockFile"/>, its PID 1 is <c>flock</c> holding that file locked.</summary>
    public static async Task<NamespacedCounter> StartAsync(string counterFile, string? lockFile = null)
    {
        // Only 0–2 reach the child (.NET opens everything else close-on-exec); point them at /dev/null so the tree holds
        // no pipe to this test process. setsid inside the namespace: a session leader outside it cannot be dumped.
        var startInfo = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     "-c", lockFile is null
                         ? "exec unshare -p -f setsid sh -c \"$1\" \"$2\" </dev/null >/dev/null 2>&1"
                         : "exec unshare -p -f setsid flock \"$3\" sh -c \"$1\" \"$2\" </dev/null >/dev/null 2>&1",
                     "sh", CounterScript, counterFile, lockFile ?? string.Empty,
                 })
        {
            startInfo.ArgumentList.Add(argument);
        }
        var unshare = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start unshare");
        var root = 0;
        var started = await ProcessTable.WaitUntilAsync(() =>
        {
            var children = ProcessTable.Children(unshare.Id);
            root = children.Count > 0 ? children[0] : 0;
            return root > 0 && File.Exists(counterFile) && File.ReadAllText(counterFile).Length > 0;
        }, TimeSpan.FromSeconds(30));
        if (!started)
        {
            unshare.Kill(entireProcessTree: true);
            unshare.Dispose();
            throw new InvalidOperationException("the namespaced counter did not start");
        }
        return new NamespacedCounter(unshare, root, counterFile);
    }

    /// <summary>The numbers written so far.</summary>
    public static IReadOnlyList<int> ReadCounts(string counterFile) =>
        File.ReadAllLines(counterFile).Where(l => l.Length > 0)
            .Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();

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
