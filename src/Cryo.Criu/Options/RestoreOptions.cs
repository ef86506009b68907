using Cryo.Criu.Images;
using Cryo.Criu.Running;

namespace Cryo.Criu.Options;

/// <summary>
/// The flags of one <c>criu restore</c>. Paths are as CRIU sees them (it may run in another mount
/// namespace through <see cref="CriuLaunch.Prefix"/>); pass absolute paths.
/// </summary>
public sealed record RestoreOptions() : CriuCommandOptions(CriuImageFiles.RestoreLog)
{
    /// <summary><c>-d</c> (<c>--restore-detached</c>): CRIU exits once the tree runs, instead of waiting for it.</summary>
    public bool Detached { get; init; } = true;

    /// <summary><c>-S</c> (<c>--restore-sibling</c>): the restored root becomes a child of CRIU's parent, which can then wait for it.</summary>
    public bool RestoreSibling { get; init; }

    /// <summary>
    /// <c>--pidfile FILE</c>: absolute path where CRIU writes the restored root's PID (numbered in the PID namespace CRIU
    /// runs in). Must not exist yet.
    /// </summary>
    public string? PidFile { get; init; }

    /// <summary><c>--root PATH</c>: host path of the root filesystem to restore the tree's mount namespace onto.</summary>
    public string? Root { get; init; }

    /// <summary><c>--external RES</c>, one per entry, e.g. <c>mnt[vol]:/host/path</c> for a mount dumped as <c>mnt[/data]:vol</c>.</summary>
    public IReadOnlyList<string> External { get; init; } = [];

    /// <summary><c>--inherit-fd fd[N]:KEY</c>, one per entry: hand descriptors open in CRIU to the restored tree.</summary>
    public IReadOnlyList<InheritFd> InheritFds { get; init; } = [];

    /// <summary>
    /// <c>--cgroup-root [CONTROLLER:]/PATH</c>, one per entry. Give one per controller: a bare <c>/PATH</c> applies to
    /// every hierarchy and copies cpuset's exclusive flags (see criu.md). CRIU names the unified (cgroup2) hierarchy
    /// by the empty controller name: <c>:/PATH</c>.
    /// </summary>
    public IReadOnlyList<string> CgroupRoots { get; init; } = [];

    /// <summary><c>--manage-cgroups</c>: restore the cgroups recorded in the images.</summary>
    public bool ManageCgroups { get; init; }

    /// <summary><c>--manage-cgroups=MODE</c>; implies <see cref="ManageCgroups"/> when set.</summary>
    public string? ManageCgroupsMode { get; init; }

    /// <summary><c>--tcp-established</c>: restore established TCP connections (the dump must have used it too).</summary>
    public bool TcpEstablished { get; init; }

    /// <summary><c>--file-locks</c>: restore file locks. A restore whose lock is still held elsewhere hangs.</summary>
    public bool FileLocks { get; init; }

    /// <summary><c>--shell-job</c>: restore a tree dumped with <see cref="DumpOptions.ShellJob"/>.</summary>
    public bool ShellJob { get; init; }

    /// <summary><c>--ext-unix-sk</c>: restore unix sockets connected to peers outside the tree.</summary>
    public bool ExtUnixSk { get; init; }

    /// <summary><c>--action-script FILE</c>: a script CRIU calls at each stage (pre-restore, post-restore, setup-namespaces…).</summary>
    public string? ActionScript { get; init; }

    /// <summary>
    /// <c>--mntns-compat-mode</c>: rebuild the mount namespace with CRIU's older mount engine. The default engine
    /// gives each restored mount the propagation recorded at dump time by copying it from the mount's source,
    /// which fails (<c>mnt-v2: Failed to copy sharing … Invalid argument</c>) when an external mount was shared or
    /// a slave at dump time and its source is private where CRIU runs; the older engine does not need that.
    /// </summary>
    public bool MountNamespaceCompatMode { get; init; }

    /// <summary>
    /// <c>--lazy-pages</c>: restore private anonymous memory on demand. A <c>criu lazy-pages</c> daemon
    /// (<see cref="LazyPagesOptions"/>) must already listen in the same <see cref="CriuCommandOptions.WorkDirectory"/>: the restored
    /// tasks hand it their userfaultfds and it fills each page on first touch, then the rest in the background.
    /// Needs the <c>uffd-noncoop</c> feature.
    /// </summary>
    public bool LazyPages { get; init; }

    /// <summary>The arguments after the CRIU executable, starting with <c>restore</c>.</summary>
    /// <exception cref="ArgumentException">A required value is missing or out of range, or <see cref="PidFile"/> is relative.</exception>
    public IReadOnlyList<string> ToArguments()
    {
        RequireCommonSettings();
        if (PidFile is not null && !Path.IsPathRooted(PidFile))
        {
            // CRIU would resolve it against its work directory, where the caller would not look for it.
            throw new ArgumentException($"PidFile must be an absolute path, not '{PidFile}'", nameof(PidFile));
        }

        var args = new CriuArgumentList("restore")
            .Value("-D", ImagesDirectory)
            .Value("-W", WorkDirectory)
            .Value("-o", LogFile)
            .Flag(true, $"-v{LogLevel}")
            .Flag(Detached, "--restore-detached")
            .Flag(RestoreSibling, "--restore-sibling")
            .Value("--pidfile", PidFile)
            .Value("--root", Root)
            .Each("--external", External)
            .Each("--inherit-fd", InheritFds.Select(f => f.ToArgument()))
            .Each("--cgroup-root", CgroupRoots)
            .OptionalValue(ManageCgroups, "--manage-cgroups", ManageCgroupsMode)
            .Flag(TcpEstablished, "--tcp-established")
            .Flag(FileLocks, "--file-locks")
            .Flag(ShellJob, "--shell-job")
            .Flag(ExtUnixSk, "--ext-unix-sk")
            .Value("--action-script", ActionScript)
            .Flag(MountNamespaceCompatMode, "--mntns-compat-mode")
            .Flag(LazyPages, "--lazy-pages")
            .Flag(DisplayStats, "--display-stats")
            .Verbatim(AdditionalArguments);
        return args.ToList();
    }
}
