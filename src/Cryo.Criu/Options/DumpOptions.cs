using Cryo.Criu.Capabilities;
using Cryo.Criu.Images;
using Cryo.Criu.Running;

namespace Cryo.Criu.Options;

/// <summary>
/// The flags of one <c>criu dump</c>. Paths are as CRIU sees them (it may run in another mount
/// namespace through <see cref="CriuLaunch.Prefix"/>). Relative paths other than the log are relative
/// to CRIU's working directory; pass absolute paths.
/// </summary>
public sealed record DumpOptions() : CriuCommandOptions(CriuImageFiles.DumpLog)
{
    /// <summary><c>-t PID</c>: host PID of the root of the process tree to dump.</summary>
    public required int Pid { get; init; }

    /// <summary><c>-R</c> (<c>--leave-running</c>): resume the tree after dumping instead of killing it.</summary>
    public bool LeaveRunning { get; init; }

    /// <summary><c>--tcp-established</c>: dump established TCP connections (and lock them with <see cref="NetworkLock"/>).</summary>
    public bool TcpEstablished { get; init; }

    /// <summary><c>--file-locks</c>: dump file locks held by the tree.</summary>
    public bool FileLocks { get; init; }

    /// <summary><c>--shell-job</c>: allow a tree whose session or terminal lies outside it (a process attached to a terminal).</summary>
    public bool ShellJob { get; init; }

    /// <summary><c>--ext-unix-sk</c>: allow unix sockets connected to peers outside the tree (datagram only, see criu.md).</summary>
    public bool ExtUnixSk { get; init; }

    /// <summary><c>--manage-cgroups</c>: dump the tree's cgroups and their properties.</summary>
    public bool ManageCgroups { get; init; }

    /// <summary>
    /// <c>--manage-cgroups=MODE</c> (<c>none</c>, <c>props</c>, <c>soft</c>, <c>full</c>, <c>strict</c>, <c>ignore</c>);
    /// implies <see cref="ManageCgroups"/> when set.
    /// </summary>
    public string? ManageCgroupsMode { get; init; }

    /// <summary><c>--freeze-cgroup PATH</c>: freeze the tree through this cgroup v1 freezer directory instead of with ptrace.</summary>
    public string? FreezeCgroup { get; init; }

    /// <summary>
    /// <c>--network-lock METHOD</c>: how TCP connections are blocked while dumped. Defaults to <c>nftables</c>
    /// because CRIU's own default, iptables, is not installed on the nodes. <c>null</c> leaves CRIU's default.
    /// </summary>
    public string? NetworkLock { get; init; } = "nftables";

    /// <summary>
    /// <c>--external RES</c>, one per entry: resources dumped as external, e.g. <c>mnt[/data]:vol</c> for a bind mount
    /// at /data restored later with <c>mnt[vol]:/host/path</c>.
    /// </summary>
    public IReadOnlyList<string> External { get; init; } = [];

    /// <summary><c>--root PATH</c>: the tree's root filesystem (when it runs in its own mount namespace).</summary>
    public string? Root { get; init; }

    /// <summary><c>--action-script FILE</c>: a script CRIU calls at each stage (pre-dump, post-dump, network-lock…).</summary>
    public string? ActionScript { get; init; }

    /// <summary><c>--track-mem</c>: start kernel memory-change tracking for a later incremental dump (needs <see cref="CriuFeature.MemDirtyTrack"/>).</summary>
    public bool TrackMem { get; init; }

    /// <summary><c>--prev-images-dir DIR</c>: images of the previous dump (relative to <see cref="CriuCommandOptions.ImagesDirectory"/>); needs <see cref="CriuFeature.MemDirtyTrack"/>.</summary>
    public string? PrevImagesDirectory { get; init; }

    /// <summary><c>--auto-dedup</c>: punch pages out of the parent's images that this dump supersedes.</summary>
    public bool AutoDedup { get; init; }

    /// <summary><c>--lazy-pages</c>: leave memory pages to be served on demand (with <see cref="PageServer"/>, its listening port).</summary>
    public bool LazyPages { get; init; }

    /// <summary>
    /// <c>--page-server --address A --port P</c>: send pages to a running <c>criu page-server</c>. With
    /// <see cref="LazyPages"/> only <c>--address</c>/<c>--port</c> are given: where lazy pages are served from.
    /// </summary>
    public CriuEndpoint? PageServer { get; init; }

    /// <summary><c>--ghost-limit SIZE</c>: largest deleted-but-open file (bytes) whose contents go into the images.</summary>
    public long? GhostLimit { get; init; }

    /// <summary>The arguments after the CRIU executable, starting with <c>dump</c>.</summary>
    /// <exception cref="ArgumentException">A required value is missing or out of range.</exception>
    public IReadOnlyList<string> ToArguments()
    {
        RequireCommonSettings();
        if (Pid <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Pid), Pid, "the PID of the tree's root must be positive");
        }
        if (PageServer is { Port: <= 0 or > 65535 })
        {
            throw new ArgumentOutOfRangeException(nameof(PageServer), PageServer.Port, "page server port out of range");
        }

        var args = new CriuArgumentList("dump")
            .Value("-t", Pid)
            .Value("-D", ImagesDirectory)
            .Value("-W", WorkDirectory)
            .Value("-o", LogFile)
            .Flag(true, $"-v{LogLevel}")
            .Flag(LeaveRunning, "--leave-running")
            .Flag(TcpEstablished, "--tcp-established")
            .Flag(FileLocks, "--file-locks")
            .Flag(ShellJob, "--shell-job")
            .Flag(ExtUnixSk, "--ext-unix-sk")
            .OptionalValue(ManageCgroups, "--manage-cgroups", ManageCgroupsMode)
            .Value("--freeze-cgroup", FreezeCgroup)
            .Value("--network-lock", NetworkLock)
            .Each("--external", External)
            .Value("--root", Root)
            .Value("--action-script", ActionScript)
            .Flag(TrackMem, "--track-mem")
            .Value("--prev-images-dir", PrevImagesDirectory)
            .Flag(AutoDedup, "--auto-dedup")
            .Flag(LazyPages, "--lazy-pages")
            .Flag(PageServer is not null && !LazyPages, "--page-server")
            .Value("--address", PageServer?.Address)
            .Value("--port", PageServer?.Port)
            .Value("--ghost-limit", GhostLimit)
            .Flag(DisplayStats, "--display-stats")
            .Verbatim(AdditionalArguments);
        return args.ToList();
    }
}
