using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Cryo.Testing.Agent.Harness;

/// <summary>
/// A container-shaped process tree for tests: new PID, mount, UTS, IPC and network namespaces (loopback up),
/// its own busybox root filesystem (pivot_root), a host directory bound at <c>/data</c>, a fresh /proc, its own
/// cgroups, <c>setsid</c> inside, no inherited fds above 2. Its stdout and stderr are pipes the harness drains
/// (as a runtime's shim does), or a pty. Launched as <c>../shared/criu.md</c> describes, so CRIU can dump it.
/// Disposal kills everything in its cgroups (restored copies placed there too) and removes what it created.
/// </summary>
public sealed partial class ContainerWorkload : IAsyncDisposable
{
    private readonly ContainerSpec _spec;
    private readonly Pty? _pty;
    private LaunchedInit? _launched;
    private TemplateLease? _template;
    private IReadOnlyDictionary<string, string> _cgroups = new Dictionary<string, string>();
    private bool _disposed;

    private ContainerWorkload(ContainerSpec spec, string workDirectory, Pty? pty)
    {
        _spec = spec;
        _pty = pty;
        WorkDirectory = workDirectory;
        RootfsPath = Path.Combine(workDirectory, "rootfs");
        VolumePath = spec.VolumePath ?? Path.Combine(workDirectory, "volume");
        CgroupName = spec.CgroupName ?? "w-" + Path.GetFileName(workDirectory)[^12..];
    }

    /// <summary>Host PID of the container's init (the child of <c>unshare</c>; PID 1 inside). This is what <c>criu dump -t</c> takes.</summary>
    public int InitPid => _launched?.InitPid ?? 0;

    /// <summary>Host PID of the <c>unshare</c> launcher, the init's parent outside the namespaces.</summary>
    public int LauncherPid => _launched?.Launcher.Id ?? 0;

    /// <summary>The harness's temporary directory for this workload (holds rootfs/, volume/ unless given).</summary>
    public string WorkDirectory { get; }

    /// <summary>Host path of the container's root filesystem (the workload's own copy).</summary>
    public string RootfsPath { get; }

    /// <summary>The overlay's upper (writable) layer with <see cref="ContainerSpec.OverlayRoot"/>, else <see langword="null"/>.</summary>
    public string? UpperDirPath => _spec.OverlayRoot ? Path.Combine(WorkDirectory, "upper") : null;

    /// <summary>Host directory bound at <c>/data</c>.</summary>
    public string VolumePath { get; }

    /// <summary>The UTS hostname.</summary>
    public string Hostname => _spec.Hostname;

    /// <summary>The name of the workload's own cgroup (the last path component).</summary>
    public string CgroupName { get; }

    /// <summary>Controller → cgroup path relative to the hierarchy root, e.g. <c>pids</c> → <c>/cryo-harness/w-…</c>.</summary>
    public IReadOnlyDictionary<string, string> CgroupPaths => _cgroups;

    /// <summary><see langword="true"/> when the init's stdio is a pty and its controlling terminal.</summary>
    public bool Tty => _spec.Tty;

    /// <summary>Host path through which the init's stdout can be opened (what a restore passes to <c>--inherit-fd</c>).</summary>
    public string StdoutPath => $"/proc/{InitPid}/fd/1";

    /// <summary>Host path through which the init's stderr can be opened.</summary>
    public string StderrPath => $"/proc/{InitPid}/fd/2";

    /// <summary>Identity of the init's stdout as read at start: <c>pipe:[N]</c>, or the pty's host path <c>/dev/pts/N</c>.</summary>
    public string StdoutIdentity { get; private set; } = "";

    /// <summary>Identity of the init's stderr as read at start.</summary>
    public string StderrIdentity { get; private set; } = "";

    /// <summary>What the workload wrote to stdout (or its terminal) so far.</summary>
    public string Stdout => _launched?.Stdout.Text ?? "";

    /// <summary>What the workload (and its launcher) wrote to stderr so far.</summary>
    public string Stderr => _launched?.Stderr.Text ?? "";

    /// <summary>The full host directory of the workload's cgroup for <paramref name="controller"/>.</summary>
    public string CgroupDirectory(string controller) => Path.Combine(HarnessCgroups.Root, controller) + _cgroups[controller];

    /// <summary>
    /// Freezes the workload's cgroup as a runtime pauses a container, and returns once every task stopped.
    /// </summary>
    /// <exception cref="TimeoutException">The cgroup did not freeze within five seconds.</exception>
    public async Task PauseAsync()
    {
        var state = Path.Combine(CgroupDirectory("freezer"), "freezer.state");
        await File.WriteAllTextAsync(state, "FROZEN");
        for (var waited = 0; File.ReadAllText(state).Trim() != "FROZEN"; waited++)
        {
            if (waited >= 500)
            {
                throw new TimeoutException($"the workload's cgroup {CgroupDirectory("freezer")} did not freeze");
            }
            await Task.Delay(10);
        }
    }

    /// <summary>Starts a workload and returns once its init runs its command.</summary>
    /// <exception cref="WorkloadStartException">It did not start; everything created is removed again.</exception>
    public static async Task<ContainerWorkload> StartAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        var work = Path.Combine(Path.GetTempPath(), "cryo-harness-" + Guid.NewGuid().ToString("N")[..16]);
        Directory.CreateDirectory(work);
        var workload = new ContainerWorkload(spec, work, spec.Tty ? Pty.Open() : null);
        try
        {
            await workload.LaunchAsync(cancellationToken);
            return workload;
        }
        catch
        {
            await workload.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts a placeholder container: the same shape, with an init that only waits and reaps (by default
    /// <see cref="ContainerSpec.PlaceholderScript"/>; give <paramref name="spec"/> another <see cref="ContainerSpec.InitCommand"/>
    /// and <see cref="ContainerSpec.HostFiles"/> to run the real placeholder binary).
    /// </summary>
    public static Task<ContainerWorkload> StartPlaceholderAsync(ContainerSpec? spec, CancellationToken cancellationToken) =>
        StartAsync(spec ?? ContainerSpec.Placeholder(), cancellationToken);

    /// <summary>Waits until the workload's stdout satisfies <paramref name="predicate"/>; returns all of it.</summary>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>; the message shows stdout and stderr.</exception>
    public Task<string> WaitForOutputAsync(Func<string, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken) =>
        Started.Stdout.WaitForAsync(predicate, timeout, $"stdout of {Hostname} (stderr: {Stderr})", cancellationToken);

    /// <summary>Waits until the workload's stderr satisfies <paramref name="predicate"/>; returns all of it.</summary>
    public Task<string> WaitForErrorOutputAsync(Func<string, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken) =>
        Started.Stderr.WaitForAsync(predicate, timeout, $"stderr of {Hostname}", cancellationToken);

    /// <summary>Reads stdout to its end: returns once every writer (the init, its children, restored copies using the same pipe) has exited.</summary>
    public Task<string> ReadOutputAsync(CancellationToken cancellationToken) => Started.Stdout.ReadToEndAsync(cancellationToken);

    /// <summary>Reads a file as the container sees it (through <c>/proc/INIT/root</c>, so <c>data/…</c> is the volume).</summary>
    public string ReadFileInRoot(string relativePath) =>
        File.ReadAllText(Path.Combine($"/proc/{InitPid}/root", relativePath.TrimStart('/')));

    /// <summary>The inode of a namespace of any process: <paramref name="kind"/> is a name under <c>/proc/PID/ns</c> (<c>net</c>, <c>pid</c>…).</summary>
    public static ulong NamespaceInode(int pid, string kind)
    {
        var target = new FileInfo($"/proc/{pid}/ns/{kind}").LinkTarget
            ?? throw new IOException($"/proc/{pid}/ns/{kind} is not a namespace link");
        var match = NamespaceLink().Match(target);
        return match.Success
            ? ulong.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new IOException($"unexpected namespace link '{target}'");
    }

    /// <summary>Host PIDs of the init and all its descendants.</summary>
    public IReadOnlyList<int> HostPidsInTree() => ProcessReaper.Collect(InitPid, stop: false);

    /// <summary>Host PIDs of every process in the workload's cgroups (restored copies placed there included).</summary>
    public IReadOnlyList<int> HostPidsInCgroups() =>
        _cgroups.Keys.SelectMany(c => ProcessReaper.CgroupPidsRecursive(CgroupDirectory(c))).Distinct().Order().ToArray();

    /// <summary>
    /// Kills every process in the workload's cgroups and tree, waits until they are gone, removes its cgroups
    /// and temporary directories. Cleans up as much as it can, then reports what it could not.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var errors = new List<Exception>();
        await Try(errors, async () =>
        {
            if (_launched is { InitIsOurs: true })
            {
                await ProcessReaper.KillTreeAsync(InitPid, timeout.Token);
            }
        });
        await Try(errors, () => HarnessCgroups.RemoveAsync(_cgroups, timeout.Token));
        await Try(errors, async () =>
        {
            if (_launched is { } launched)
            {
                await launched.StopLauncherAsync(timeout.Token);
            }
        });
        _pty?.Dispose();
        // A volume given by the spec lives outside the work directory and is the caller's to remove.
        await Try(errors, () => TempDirectory.DeleteAsync(WorkDirectory, timeout.Token));
        _template?.Dispose();
        if (errors.Count > 0)
        {
            throw new AggregateException($"cleanup of workload {CgroupName} was incomplete", errors);
        }
    }

    private static async Task Try(List<Exception> errors, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException or UnauthorizedAccessException
                                      or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            errors.Add(e);
        }
    }

    private static void Validate(ContainerSpec spec)
    {
        if (!HostnamePattern().IsMatch(spec.Hostname))
        {
            throw new ArgumentException($"hostname '{spec.Hostname}' is not a valid hostname", nameof(spec));
        }

        HarnessCgroups.Validate(spec.CgroupParent, nameof(spec.CgroupParent));
        if (spec.CgroupName is { } name && (name.Contains('/', StringComparison.Ordinal) || name is "." or ".." || name.Length == 0))
        {
            throw new ArgumentException($"cgroup name '{name}' must be one path component", nameof(spec));
        }

        foreach (var key in spec.Environment.Keys.Where(k => !EnvironmentKeyPattern().IsMatch(k)))
        {
            throw new ArgumentException($"environment variable name '{key}' is invalid", nameof(spec));
        }

        if (spec.InitCommand.Count == 0)
        {
            throw new ArgumentException("the init command is empty", nameof(spec));
        }

        foreach (var bind in spec.BindMounts.Where(b => !b.ContainerPath.StartsWith('/') || b.ContainerPath.Split('/').Contains("..")))
        {
            throw new ArgumentException($"bind mount target '{bind.ContainerPath}' must be an absolute path without '..'", nameof(spec));
        }
    }

    private LaunchedInit Started => _launched ?? throw new InvalidOperationException("the workload has not started");

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        _template = await Rootfs.AcquireTemplateAsync(cancellationToken);
        if (_spec.OverlayRoot)
        {
            var lower = _template.Path;
            var work = Path.Combine(WorkDirectory, "overlay-work");
            Directory.CreateDirectory(UpperDirPath!);
            Directory.CreateDirectory(work);
            Directory.CreateDirectory(RootfsPath);
            // Mounted in the harness's (the host's) mount namespace, like a runtime's bundle rootfs; disposal
            // unmounts it (TempDirectory.DeleteAsync detaches every mount below the work directory).
            await Rootfs.RunAsync(cancellationToken, "mount", "-t", "overlay", "overlay", "-o",
                $"lowerdir={lower},upperdir={UpperDirPath},workdir={work}", RootfsPath);
        }
        else
        {
            await Rootfs.RunAsync(cancellationToken, "cp", "-a", _template.Path, RootfsPath);
        }

        Directory.CreateDirectory(VolumePath);
        var script = _spec.Script.StartsWith("#!", StringComparison.Ordinal) ? _spec.Script : "#!/bin/sh\n" + _spec.Script;
        var initPath = Path.Combine(RootfsPath, "app", "init.sh");
        await File.WriteAllTextAsync(initPath, script, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(initPath, (UnixFileMode)Convert.ToInt32("755", 8));
        }
        foreach (var (inside, host) in _spec.HostFiles)
        {
            var target = Path.Combine(RootfsPath, inside.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(host, target, overwrite: true);
        }

        foreach (var bind in _spec.BindMounts)
        {
            var target = Path.Combine(RootfsPath, bind.ContainerPath.TrimStart('/'));
            if (Directory.Exists(bind.HostPath))
            {
                Directory.CreateDirectory(target);
            }
            else if (!File.Exists(target))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await File.WriteAllTextAsync(target, "", cancellationToken);
            }
        }

        _cgroups = HarnessCgroups.Create(_spec.CgroupControllers, HarnessCgroups.Validate(_spec.CgroupParent, "CgroupParent"), CgroupName);
        var pidFile = Path.Combine(WorkDirectory, "init.pid");
        string[] argv =
        [
            "setsid", "unshare", "-p", "-m", "-u", "-i", "-n", "-f", "--propagation", "private", "--",
            "bash", "-c", BuildLaunchScript(pidFile), LaunchedInit.LauncherMarker,
        ];
        _launched = LaunchedInit.Start(argv, _pty);
        await _launched.WaitForInitAsync(pidFile, _spec.StartTimeout, cancellationToken);
        // A pty opened before pivot_root reads back relative to a devpts mount the container cannot see ("/3"): name it by its host path.
        StdoutIdentity = _pty?.SlavePath ?? ReadLinkOrEmpty(StdoutPath);
        StderrIdentity = _pty?.SlavePath ?? ReadLinkOrEmpty(StderrPath);
    }

    // Runs as PID 1 of the new namespaces, still on the host's root, until pivot_root; then execs the init.
    private string BuildLaunchScript(string pidFile)
    {
        var q = ShellQuoting.Quote;
        var root = RootfsPath;
        var s = new StringBuilder();
        s.AppendLine("set -eu");
        // Leaked fds make CRIU fail ("Can't lookup mount=N for fd=…"): keep only 0, 1 and 2.
        s.AppendLine("for p in /proc/self/fd/*; do fd=${p##*/}; case $fd in 0|1|2) ;; *) eval \"exec $fd>&-\" 2>/dev/null || true;; esac; done");
        foreach (var controller in _cgroups.Keys)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"echo 0 > {q(CgroupDirectory(controller) + "/cgroup.procs")}");
        }

        if (_pty is not null)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"exec 0<>{q(_pty.SlavePath)} 1>&0 2>&0");
            s.AppendLine("stty -echo -onlcr");
        }

        s.AppendLine("ip link set lo up");
        s.AppendLine(CultureInfo.InvariantCulture, $"mount --bind {q(root)} {q(root)}");
        s.AppendLine(CultureInfo.InvariantCulture, $"mount --bind {q(VolumePath)} {q(root + "/data")}");
        foreach (var bind in _spec.BindMounts)
        {
            var target = q(root + bind.ContainerPath);
            s.AppendLine(CultureInfo.InvariantCulture, $"mount --bind {q(bind.HostPath)} {target}");
            if (bind.ReadOnly)
            {
                s.AppendLine(CultureInfo.InvariantCulture, $"mount -o remount,bind,ro {target}");
            }
        }

        s.AppendLine(CultureInfo.InvariantCulture, $"mount -t proc proc {q(root + "/proc")}");
        // /proc is still the host's here, so /proc/self/stat starts with our host PID.
        s.AppendLine(CultureInfo.InvariantCulture, $"read -r hostpid _ < /proc/self/stat; echo \"$hostpid\" > {q(pidFile + ".tmp")}; mv {q(pidFile + ".tmp")} {q(pidFile)}");
        s.AppendLine(CultureInfo.InvariantCulture, $"hostname {q(Hostname)}");
        s.AppendLine(CultureInfo.InvariantCulture, $"cd {q(root)}; mkdir -p .oldroot; pivot_root . .oldroot; cd /; /bin/umount -l /.oldroot; /bin/rmdir /.oldroot");
        var env = new List<string> { "PATH=/bin", "HOME=/", $"HOSTNAME={Hostname}" };
        if (_pty is not null)
        {
            env.Add("TERM=xterm");
        }

        env.AddRange(_spec.Environment.Select(e => $"{e.Key}={e.Value}"));
        var setsid = _pty is null ? "/bin/setsid" : "/bin/setsid -c";
        var stdin = _pty is null ? " </dev/null" : "";
        s.AppendLine(CultureInfo.InvariantCulture,
            $"exec {setsid} /bin/env -i {string.Join(' ', env.Select(q))} {string.Join(' ', _spec.InitCommand.Select(q))}{stdin}");
        return s.ToString();
    }

    private static string ReadLinkOrEmpty(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget ?? "";
        }
        catch (IOException)
        {
            // The init already exited (a short-lived script): there is no fd to name.
            return "";
        }
    }

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})$")]
    private static partial Regex HostnamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentKeyPattern();

    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex NamespaceLink();
}
