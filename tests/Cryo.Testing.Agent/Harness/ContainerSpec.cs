namespace Cryo.Testing.Agent.Harness;

/// <summary>What a container-shaped test workload runs and how it is set up.</summary>
public sealed record ContainerSpec
{
    /// <summary>
    /// The default cgroup controllers: every cgroup v1 hierarchy mounted under <c>/sys/fs/cgroup</c>, as a runtime
    /// gives a container a cgroup in each. A workload left at a hierarchy's root would make CRIU's dump record
    /// (and its restore recreate) every cgroup below that root, including the ones other tests create and remove
    /// meanwhile (the node tests' <c>kubepods/…</c>).
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultControllers = HarnessCgroups.MountedHierarchies();

    /// <summary>
    /// The placeholder's init for now: a busybox sh loop that ignores SIGTERM and reaps whatever is reparented
    /// to it. Swap in the real placeholder binary with <see cref="InitCommand"/> and <see cref="HostFiles"/>.
    /// </summary>
    public const string PlaceholderScript = "trap '' TERM\nwhile :; do sleep 1; done\n";

    /// <summary>The busybox sh script written to <c>/app/init.sh</c> (a <c>#!/bin/sh</c> line is added when missing).</summary>
    public string Script { get; init; } = "exec sleep 100000\n";

    /// <summary>
    /// The container's init command (argv inside the container); default <c>/app/init.sh</c>. It runs as
    /// PID 1, a session leader, in <c>/</c>, with the environment below and nothing else.
    /// </summary>
    public IReadOnlyList<string> InitCommand { get; init; } = ["/app/init.sh"];

    /// <summary>The UTS hostname.</summary>
    public string Hostname { get; init; } = "cryo-test";

    /// <summary>Extra environment variables for the init (besides <c>PATH=/bin</c>, <c>HOME=/</c>, <c>HOSTNAME</c>).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Give the init a pseudo-terminal as stdin/stdout/stderr and controlling terminal (a "shell job" for
    /// CRIU) instead of pipes; the harness reads the terminal's output as stdout.
    /// </summary>
    public bool Tty { get; init; }

    /// <summary>cgroup v1 controllers whose hierarchy gets a cgroup for the workload.</summary>
    public IReadOnlyList<string> CgroupControllers { get; init; } = DefaultControllers;

    /// <summary>
    /// The parent cgroup path, relative to each hierarchy's root, e.g. <c>kubepods/besteffort/pod&lt;uid&gt;</c>.
    /// Missing levels are created and removed again on disposal.
    /// </summary>
    public string CgroupParent { get; init; } = "cryo-harness";

    /// <summary>The workload's own cgroup's name (e.g. a 64-hex container ID); default a fresh unique name.</summary>
    public string? CgroupName { get; init; }

    /// <summary>The host directory to bind at <c>/data</c>; default a fresh temporary directory removed on disposal.</summary>
    public string? VolumePath { get; init; }

    /// <summary>More bind mounts (volumes, single files such as <c>/etc/hosts</c>, cgroup hierarchies…).</summary>
    public IReadOnlyList<BindMount> BindMounts { get; init; } = [];

    /// <summary>Host files copied into the root filesystem before start: container path → host path (modes kept).</summary>
    public IReadOnlyDictionary<string, string> HostFiles { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Make the root an overlay mounted on the host, as containerd does (the default): the shared busybox
    /// template as the read-only lower layer, a per-workload upper layer (<see cref="ContainerWorkload.UpperDirPath"/>)
    /// that collects everything the workload writes, and the merged view at <see cref="ContainerWorkload.RootfsPath"/>.
    /// Set false for a plain per-workload copy bound onto itself, a root the agent refuses to checkpoint
    /// unless the command opts out of the writable layer (<c>SkipRootFilesystem</c>).
    /// </summary>
    public bool OverlayRoot { get; init; } = true;

    /// <summary>How long to wait for the workload to be running its init command.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A placeholder container: same shape, an init that only waits and reaps.</summary>
    public static ContainerSpec Placeholder(string hostname = "cryo-placeholder") => new() { Script = PlaceholderScript, Hostname = hostname };
}
