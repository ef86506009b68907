using System.Globalization;
using Cryo.Agent.Containers;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;
using Cryo.Criu.Options;
using Cryo.Criu.Running;

namespace Cryo.Agent.Restoring;

/// <summary>
/// Turns a checkpoint's manifest and a target into CRIU's restore options and launch. The dump left the
/// network, UTS and IPC namespaces out of the images (CRIU ran inside them), so the tree lands in
/// whichever of those CRIU runs in: the target's, or fresh ones for a standalone copy.
/// </summary>
public static class RestorePlanner
{
    private const int StdoutFd = 3;
    private const int StderrFd = 4;
    private const int TerminalFd = 5;
    private const int NetworkNamespaceFd = 6;
    private const string DevNull = "/dev/null";

    /// <summary>Plans the restore.</summary>
    /// <exception cref="RestoreTargetMismatchException">The target lacks a mount or root the checkpoint needs.</exception>
    public static (RestoreOptions Options, CriuLaunch Launch) Plan(StoredCheckpoint checkpoint, RestoreTarget target, string? actionScript)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(target);
        var manifest = checkpoint.Manifest;
        var options = new RestoreOptions
        {
            ImagesDirectory = checkpoint.ImagesDirectory,
            Detached = true,
            PidFile = target.PidFile,
            ShellJob = manifest.Options.ShellJob,
            TcpEstablished = manifest.Options.TcpEstablished,
            FileLocks = manifest.Options.FileLocks,
            ManageCgroups = true,
            ActionScript = actionScript,
            // The checkpoint directory is committed and read-only to restores (and several may run from it
            // at once): CRIU's log and statistics go to this restore's own directory.
            LogFile = Path.Combine(target.WorkDirectory, CriuImageFiles.RestoreLog),
            WorkDirectory = target.WorkDirectory,
        };
        var (planned, launch) = target.Target is { } container
            ? IntoContainer(options, manifest, container, target.AgentMounts)
            : Standalone(options, manifest, target);
        return WithTerminal(planned, launch, manifest, target);
    }

    /// <summary>
    /// A tree checkpointed with a terminal gets a new one under the old one's name
    /// (<c>--inherit-fd fd[5]:tty[RDEV:DEV]</c>), opened read-write so CRIU can set its attributes.
    /// </summary>
    private static (RestoreOptions, CriuLaunch) WithTerminal(RestoreOptions options, CriuLaunch launch, CheckpointManifest manifest, RestoreTarget target)
    {
        if (manifest.Source.TerminalKey is not { } key)
        {
            return (options, launch);
        }
        var terminal = target.TerminalPath
            ?? throw new RestoreTargetMismatchException("/dev/tty", "the checkpointed tree had a terminal and the target container has none: give the target container a tty");
        return (
            options with { InheritFds = [.. options.InheritFds, new InheritFd(TerminalFd, key)] },
            launch with { FdReadWrites = new Dictionary<int, string> { [TerminalFd] = terminal } });
    }

    private static (RestoreOptions, CriuLaunch) Standalone(RestoreOptions options, CheckpointManifest manifest, RestoreTarget target)
    {
        if (manifest.Source.ExternalNetworkNamespaceKey is { } networkKey)
        {
            throw new RestoreTargetMismatchException("/proc/self/ns/net",
                $"the checkpoint's network namespace was declared external at dump ({networkKey}, as runc dumps a pod's container): restore it into a container, whose pod gives the network namespace");
        }
        var sources = manifest.Source.ExternalMounts.Select(e =>
            manifest.Source.DevNullMountKeys.Contains(e.Key) ? new ExternalSource(e.Key, e.Value, DevNull)
            : manifest.Source.ExternalSources.TryGetValue(e.Key, out var source)
                ? new ExternalSource(e.Key, e.Value, source)
                : throw new RestoreTargetMismatchException(e.Value, $"the checkpoint's mount {e.Value} has no recorded host source; restore it into a container that has that mount"))
            .ToList();
        var (inherit, redirects) = Stdio(manifest, target.OutputPath, target.ErrorPath);
        options = options with
        {
            Root = manifest.Source.RootPath,
            External = [.. sources.Select(s => s.Argument)],
            CgroupRoots = [.. target.CgroupPaths.Select(c => $"{c.Key}:{c.Value}")],
            InheritFds = inherit,
            MountNamespaceCompatMode = NeedsCompatMode(manifest, sources, manifest.Source.RootPath, target.AgentMounts),
        };
        var prefix = new List<string>();
        var fresh = NamespaceEntry.SandboxKinds.Where(k => manifest.Source.OwnNamespaces.Contains(NamespaceKinds.FileName(k))).ToList();
        // A tree with its own mount namespace gets a new one from its images anyway; CRIU itself then runs
        // in a copy of the agent's whose mounts are slaves (see IntoContainer), so what it mounts while working
        // (its cgroup yard, under the restore's directory) goes away with it even when it is killed at its deadline.
        var privateMounts = manifest.Source.OwnNamespaces.Contains(NamespaceKinds.FileName(NamespaceKind.Mnt));
        if (fresh.Count > 0 || privateMounts)
        {
            // The source had its own network/UTS/IPC namespaces, and the images do not carry them: give
            // the copy fresh ones, with loopback up and the recorded host name, as a pod sandbox would.
            prefix.Add("unshare");
            prefix.AddRange(fresh.Select(NamespaceEntry.Flag));
            if (privateMounts)
            {
                prefix.AddRange(["--mount", "--propagation", "slave"]);
            }
            prefix.AddRange(["--", "/bin/sh", "-c", SandboxSetup(fresh.Contains(NamespaceKind.Net), fresh.Contains(NamespaceKind.Uts) ? manifest.Source.Hostname : null), "sh"]);
        }
        return (options, new CriuLaunch { Prefix = prefix, FdRedirects = redirects });
    }

    private static (RestoreOptions, CriuLaunch) IntoContainer(RestoreOptions options, CheckpointManifest manifest, ResolvedContainer container, IReadOnlyList<MountInfo>? agentMounts)
    {
        if (!container.RootPathIsHostPath)
        {
            throw new RestoreTargetMismatchException("/", $"the host path of the target container's root (PID {container.InitPid}) is unknown; CRIU needs it as --root");
        }
        var sources = manifest.Source.ExternalMounts.Select(e =>
        {
            // runc's masked paths: /dev/null is the same on every node, whatever the target masks.
            if (manifest.Source.DevNullMountKeys.Contains(e.Key))
            {
                return new ExternalSource(e.Key, e.Value, DevNull);
            }
            var mount = container.ExternalMounts.FirstOrDefault(m => m.MountPoint == e.Value && m.HostPath is not null)
                ?? throw new RestoreTargetMismatchException(e.Value, $"the target container (PID {container.InitPid}) has no mount at {e.Value}, which the checkpointed processes use");
            return new ExternalSource(e.Key, e.Value, mount.HostPath!);
        }).ToList();
        var init = container.InitPid.ToString(CultureInfo.InvariantCulture);
        var (inherit, redirects) = Stdio(manifest, $"/proc/{init}/fd/1", $"/proc/{init}/fd/2");
        var inputs = new Dictionary<int, string>();
        if (manifest.Source.ExternalNetworkNamespaceKey is { } networkKey)
        {
            // A runtime's dump (runc from outside the container) left the pod's network namespace external: hand CRIU
            // the target pod's under that key, as runc's restore does, or CRIU cannot place the tree in any.
            inherit.Add(new InheritFd(NetworkNamespaceFd, networkKey));
            inputs[NetworkNamespaceFd] = $"/proc/{init}/ns/net";
        }
        options = options with
        {
            Root = container.RootPath,
            External = [.. sources.Select(s => s.Argument)],
            CgroupRoots = CgroupRootsOf(container),
            InheritFds = inherit,
            MountNamespaceCompatMode = NeedsCompatMode(manifest, sources, container.RootPath, agentMounts),
        };
        // Run CRIU in the target's PID namespace (so the restored root becomes a child of the target's
        // init, dies with it and is reaped by it) and in its network, IPC and UTS namespaces, inside a
        // mount namespace of its own with a /proc of that PID namespace: CRIU reads /proc to find its tasks.
        // That namespace's mounts are slaves of the agent's, not private: on a host whose / is shared (every
        // systemd host) the runtime made the container's mounts slaves of the host's, the images record that,
        // and CRIU gives each restored mount its recorded propagation by copying it from the mount's source,
        // which must therefore still take part in propagation (a private source: "mnt-v2: Failed to copy
        // sharing … Invalid argument"). As slaves nothing CRIU mounts there reaches the host. unshare mounts the /proc
        // itself (it runs in the target's PID namespace, as nsenter's child): no shell and mount(8) started on the way
        // to every restore into a container, on the path to the restored tree.
        var prefix = new List<string>(NamespaceEntry.Nsenter(container.InitPid, [NamespaceKind.Pid, NamespaceKind.Net, NamespaceKind.Ipc, NamespaceKind.Uts]))
        {
            "unshare", "--mount", "--propagation", "slave", "--mount-proc", "--",
        };
        return (options, new CriuLaunch { Prefix = prefix, FdRedirects = redirects, FdInputs = inputs });
    }

    /// <summary>
    /// One <c>--cgroup-root</c> per hierarchy of the target, its root included: CRIU maps each dumped
    /// hierarchy onto the target's cgroup there. No global root: it would also apply to hierarchies the
    /// target leaves at "/" (cpuset here), where CRIU would create cgroups and copy cpuset settings.
    /// The unified (cgroup2) hierarchy is one of them wherever the target is in it (the <c>0::</c> line of a pure
    /// cgroup2 host, and of a v1 host that also mounts the unified one, as systemd does): CRIU names it by the
    /// empty controller name, <c>--cgroup-root :/PATH</c>. Left out, the copy stays in the unified cgroup it was
    /// dumped from, the source container's, and goes when that container's cgroups are emptied.
    /// </summary>
    private static List<string> CgroupRootsOf(ResolvedContainer container) =>
        container.Cgroups
            .Where(c => c.Controllers.Count > 0 || c.IsUnified)
            .Select(c => $"{string.Join(',', c.Controllers)}:{c.Path}")
            .ToList();

    /// <summary>
    /// The root's standard output and error were pipes to the old container's runtime, which are gone:
    /// hand CRIU the new destinations for those pipe identities (<c>--inherit-fd</c>), so the app's
    /// output goes where the target's goes (<c>kubectl logs</c>) instead of into pipes nobody reads.
    /// </summary>
    private static (List<InheritFd>, Dictionary<int, string>) Stdio(CheckpointManifest manifest, string stdoutPath, string stderrPath)
    {
        var inherit = new List<InheritFd>();
        var redirects = new Dictionary<int, string>();
        if (IsPipe(manifest.Source.StdoutIdentity))
        {
            inherit.Add(new InheritFd(StdoutFd, manifest.Source.StdoutIdentity!));
            redirects[StdoutFd] = stdoutPath;
        }
        if (IsPipe(manifest.Source.StderrIdentity) && manifest.Source.StderrIdentity != manifest.Source.StdoutIdentity)
        {
            inherit.Add(new InheritFd(StderrFd, manifest.Source.StderrIdentity!));
            redirects[StderrFd] = stderrPath;
        }
        return (inherit, redirects);
    }

    /// <summary>
    /// Whether CRIU must rebuild the mounts with its older engine (<c>--mntns-compat-mode</c>): when a mount the
    /// images recorded as shared or a slave (or, in a manifest too old to say, may have) gets its source from a
    /// mount that is private where CRIU runs, since the default engine copies the recorded sharing from there and
    /// cannot copy it from a private mount. That happens when a checkpoint from a host whose / is shared is
    /// restored where the agent's view of the sources is private (a host whose / is private, or an agent without
    /// HostToContainer propagation on its host paths). Same-shaped hosts keep the default engine.
    /// </summary>
    private static bool NeedsCompatMode(CheckpointManifest manifest, IEnumerable<ExternalSource> externals, string? root, IReadOnlyList<MountInfo>? agentMounts)
    {
        if (agentMounts is not { Count: > 0 })
        {
            return false;
        }
        var sources = externals.Select(e => (e.MountPoint, e.HostPath));
        if (root is not null)
        {
            sources = sources.Append(("/", root));
        }
        return sources.Any(s =>
        {
            var recorded = manifest.Source.Mounts.LastOrDefault(m => m.MountPoint == s.Item1)?.Propagation;
            return recorded is not "" && MountSharing.Containing(agentMounts, s.Item2) is { } source && !MountSharing.Propagates(source);
        });
    }

    /// <summary>An external mount's key, its place in the container and the host path CRIU binds it from.</summary>
    private sealed record ExternalSource(string Key, string MountPoint, string HostPath)
    {
        public string Argument => $"mnt[{Key}]:{HostPath}";
    }

    private static bool IsPipe(string? identity) => identity is not null && identity.StartsWith("pipe:[", StringComparison.Ordinal);

    private static string SandboxSetup(bool network, string? hostname)
    {
        var steps = new List<string>();
        if (network) steps.Add("ip link set lo up");
        if (hostname is not null) steps.Add($"echo {ShellWord(hostname)} > /proc/sys/kernel/hostname");
        steps.Add("exec \"$@\"");
        return string.Join(" && ", steps);
    }

    private static string ShellWord(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
