using System.Globalization;
using System.Text;

namespace Cryo.Testing.Agent.Harness;

/// <summary>
/// A plain process tree for tests (the seed's <c>setsid unshare -p -f CMD</c> case): it shares the host's
/// mount and network namespaces, optionally has its own PID namespace and a controlling terminal. Disposal
/// kills the tree and removes its temporary directory.
/// </summary>
public sealed class PlainWorkload : IAsyncDisposable
{
    private readonly PlainSpec _spec;
    private readonly Pty? _pty;
    private LaunchedInit? _launched;
    private bool _disposed;

    private PlainWorkload(PlainSpec spec, string workDirectory, Pty? pty)
    {
        _spec = spec;
        _pty = pty;
        WorkDirectory = workDirectory;
    }

    /// <summary>Host PID of the tree's root (PID 1 of its namespace with <see cref="PlainSpec.OwnPidNamespace"/>).</summary>
    public int RootPid => _launched?.InitPid ?? 0;

    /// <summary>A scratch directory of this workload, removed on disposal.</summary>
    public string WorkDirectory { get; }

    /// <summary>What the tree wrote to stdout (or its terminal) so far.</summary>
    public string Stdout => _launched?.Stdout.Text ?? "";

    /// <summary>What it wrote to stderr so far.</summary>
    public string Stderr => _launched?.Stderr.Text ?? "";

    /// <summary>Starts the tree and returns once its root runs the script.</summary>
    public static async Task<PlainWorkload> StartAsync(PlainSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var work = Path.Combine(Path.GetTempPath(), "cryo-plain-" + Guid.NewGuid().ToString("N")[..16]);
        Directory.CreateDirectory(work);
        var workload = new PlainWorkload(spec, work, spec.Tty ? Pty.Open() : null);
        try
        {
            var pidFile = Path.Combine(work, "root.pid");
            workload._launched = LaunchedInit.Start(["bash", "-c", workload.BuildLaunchScript(pidFile), LaunchedInit.LauncherMarker], workload._pty);
            await workload._launched.WaitForInitAsync(pidFile, spec.StartTimeout, cancellationToken);
            return workload;
        }
        catch
        {
            await workload.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until stdout satisfies <paramref name="predicate"/>; returns all of it.</summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken) =>
        (_launched ?? throw new InvalidOperationException("not started")).Stdout.WaitForAsync(predicate, timeout, $"stdout of plain workload (stderr: {Stderr})", cancellationToken);

    /// <summary>Host PIDs of the root and all its descendants.</summary>
    public IReadOnlyList<int> HostPidsInTree() => ProcessReaper.Collect(RootPid, stop: false);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        if (_launched is { InitIsOurs: true })
        {
            await ProcessReaper.KillTreeAsync(RootPid, timeout.Token);
        }

        if (_launched is { } launched)
        {
            await launched.StopLauncherAsync(timeout.Token);
        }

        _pty?.Dispose();
        await TempDirectory.DeleteAsync(WorkDirectory, timeout.Token);
    }

    private string BuildLaunchScript(string pidFile)
    {
        var q = ShellQuoting.Quote;
        var s = new StringBuilder();
        s.AppendLine("set -eu");
        s.AppendLine("for p in /proc/self/fd/*; do fd=${p##*/}; case $fd in 0|1|2) ;; *) eval \"exec $fd>&-\" 2>/dev/null || true;; esac; done");
        if (_pty is not null)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"exec 0<>{q(_pty.SlavePath)} 1>&0 2>&0");
            s.AppendLine("stty -echo -onlcr");
        }
        else
        {
            s.AppendLine("exec 0</dev/null");
        }

        // The root reports its host PID (/proc is the host's: the mount namespace is shared), then runs the script.
        var root = $"read -r hostpid _ < /proc/self/stat; echo \"$hostpid\" > {q(pidFile + ".tmp")}; mv {q(pidFile + ".tmp")} {q(pidFile)}; exec /bin/sh -c \"$1\"";
        var setsid = _pty is null ? "setsid" : "setsid -c";
        var unshare = _spec.OwnPidNamespace ? "unshare -p -f -- " : "";
        s.AppendLine(CultureInfo.InvariantCulture, $"exec {setsid} {unshare}/bin/sh -c {q(root)} {LaunchedInit.LauncherMarker} {q(_spec.Script)}");
        return s.ToString();
    }
}
