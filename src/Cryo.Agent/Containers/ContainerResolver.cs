using System.Globalization;
using Cryo.Agent.Operations;

namespace Cryo.Agent.Containers;

/// <summary>
/// Finds a container's process tree on this node from /proc alone: its root (the container's init), its
/// namespaces, cgroups, mounts, external mounts and terminal. Works for full containers and for plain
/// processes that only have their own PID namespace (or none).
/// </summary>
public sealed class ContainerResolver
{
    private readonly ProcFs _proc;
    private readonly int? _hostMountsPid;

    /// <summary>Creates a resolver.</summary>
    /// <param name="procFs">The procfs to read (<c>/proc</c>; with <c>hostPID</c> it lists the node's processes).</param>
    /// <param name="hostMountsPid">
    /// A process whose mount namespace defines "host paths" (root paths, external mounts' sources): default the
    /// agent itself, so paths are usable by the agent as they are. Namespace sharing is always judged against
    /// the agent's own namespaces.
    /// </param>
    public ContainerResolver(ProcFs procFs, int? hostMountsPid = null)
    {
        ArgumentNullException.ThrowIfNull(procFs);
        _proc = procFs;
        _hostMountsPid = hostMountsPid;
    }

    /// <summary>
    /// Resolves the tree a request names, by container ID or host PID (see <see cref="ResolveByContainerIdAsync"/>
    /// and <see cref="ResolveByPidAsync"/>).
    /// </summary>
    /// <exception cref="ProcessTreeNotFoundException">No such container or process on this node, or it exited while being resolved.</exception>
    /// <exception cref="ContainerResolutionException">Invalid ID, ambiguous prefix, or no single root.</exception>
    public async Task<ResolvedContainer> ResolveAsync(ProcessTreeRef tree, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tree);
        try
        {
            return tree.ContainerId is { } id
                ? await ResolveByContainerIdAsync(id, cancellationToken)
                : await ResolveByPidAsync(tree.Pid ?? 0, cancellationToken);
        }
        catch (Exception e) when (e is ContainerNotFoundException or ProcessGoneException)
        {
            // Named as the caller named it (the ID as given, not as normalised), with what was looked at.
            throw new ProcessTreeNotFoundException(tree, e.Message);
        }
    }

    /// <summary>
    /// Resolves the tree that <paramref name="hostPid"/> belongs to. A process inside its own PID namespace
    /// is walked up to that namespace's init, since CRIU can only dump a PID namespace from its init; a
    /// process in the agent's PID namespace is taken as the root itself.
    /// </summary>
    /// <exception cref="ContainerNotFoundException">No such process, or it has exited.</exception>
    /// <exception cref="ContainerResolutionException">/proc could not be read consistently.</exception>
    public async Task<ResolvedContainer> ResolveByPidAsync(int hostPid, CancellationToken cancellationToken)
    {
        var tree = ProcessTreeRef.ForPid(hostPid);
        if (hostPid <= 0)
        {
            throw new ContainerNotFoundException(tree, "a PID is a positive number");
        }

        var root = await FindNamespaceRootAsync(hostPid, tree, cancellationToken);
        return await ResolveRootAsync(root, null, tree, cancellationToken);
    }

    /// <summary>
    /// Resolves a container by its CRI ID (full, or a unique prefix of at least 12 hex digits; a
    /// <c>containerd://</c> or <c>cri-o://</c> prefix is accepted), found in the last component of the
    /// processes' cgroup paths (cgroupfs or systemd driver, cgroup v1 or v2).
    /// </summary>
    /// <exception cref="ContainerResolutionException">Invalid ID, ambiguous prefix, or no single root.</exception>
    /// <exception cref="ContainerNotFoundException">No process is in a cgroup of that container.</exception>
    public async Task<ResolvedContainer> ResolveByContainerIdAsync(string containerId, CancellationToken cancellationToken)
    {
        var prefix = ContainerIds.Normalize(containerId);
        var tree = ProcessTreeRef.ForContainer(prefix);
        var members = await FindContainerMembersAsync(prefix, cancellationToken);
        if (members.Count == 0)
        {
            throw new ContainerNotFoundException(tree,
                "no process on this node is in a cgroup named after that ID; check that the container is running on this "
                + "node and that the agent sees the host's processes (hostPID: true)");
        }

        if (members.Count > 1)
        {
            throw new ContainerResolutionException(ResolutionFailure.AmbiguousContainerId, tree,
                $"the prefix matches {members.Count} containers ({string.Join(", ", members.Keys.Order())}); give more digits");
        }

        var (fullId, pids) = members.Single();
        var root = await FindRootAmongAsync(pids, tree, cancellationToken);
        return await ResolveRootAsync(root, fullId, ProcessTreeRef.ForContainer(fullId), cancellationToken);
    }

    private async Task<Dictionary<string, HashSet<int>>> FindContainerMembersAsync(string prefix, CancellationToken cancellationToken)
    {
        var members = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        foreach (var pid in _proc.ListPids())
        {
            cancellationToken.ThrowIfCancellationRequested();
            string text;
            try
            {
                text = await _proc.ReadTextAsync(pid, "cgroup", cancellationToken);
            }
            catch (ProcessGoneException)
            {
                // Exited since the listing: not part of any running container.
                continue;
            }

            // Every process of the node is read, and few are the container's: only those whose file holds the ID at all
            // are parsed and matched (a parse and a pattern match per hierarchy each, most of the in-pod restore's target step).
            if (!text.Contains(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var entry in CgroupEntry.ParseAll(text))
            {
                if (ContainerIds.FromCgroupPath(entry.Path) is { } id && id.StartsWith(prefix, StringComparison.Ordinal))
                {
                    if (!members.TryGetValue(id, out var set))
                    {
                        members[id] = set = [];
                    }

                    set.Add(pid);
                    break;
                }
            }
        }

        return members;
    }

    // The init is the member whose parent is outside the container (the runtime's shim). Processes joined
    // later by `kubectl exec` also have an outside parent; among several such roots the PID namespace's
    // init (innermost PID 1) is the container's.
    private async Task<int> FindRootAmongAsync(HashSet<int> pids, ProcessTreeRef tree, CancellationToken cancellationToken)
    {
        var agentPidNs = _proc.ReadNamespaceInode(_proc.SelfPid, NamespaceKind.Pid);
        var roots = new List<ProcStatus>();
        foreach (var pid in pids.Order())
        {
            ProcStatus status;
            try
            {
                status = await _proc.ReadStatusAsync(pid, cancellationToken);
            }
            catch (ProcessGoneException)
            {
                // Exited while we looked: it cannot be the root of a running tree.
                continue;
            }

            if (!status.IsZombie && !pids.Contains(status.ParentPid))
            {
                roots.Add(status);
            }
        }

        if (roots.Count == 1)
        {
            return roots[0].Pid;
        }

        var inits = roots.Where(r => r.InnermostPid == 1 && SafeNamespace(r.Pid) != agentPidNs).ToList();
        if (inits.Count == 1)
        {
            return inits[0].Pid;
        }

        if (roots.Count == 0)
        {
            throw new ContainerNotFoundException(tree, "its processes exited while being resolved");
        }

        throw new ContainerResolutionException(ResolutionFailure.AmbiguousRoot, tree,
            $"its processes form {roots.Count} trees (roots {string.Join(", ", roots.Select(r => r.Pid))}) and none is "
            + "the single init of a PID namespace; resolve by PID instead");
    }

    private ulong? SafeNamespace(int pid)
    {
        try
        {
            return _proc.ReadNamespaceInode(pid, NamespaceKind.Pid);
        }
        catch (ProcessGoneException)
        {
            return null;
        }
    }

    private async Task<int> FindNamespaceRootAsync(int hostPid, ProcessTreeRef tree, CancellationToken cancellationToken)
    {
        try
        {
            var status = await _proc.ReadStatusAsync(hostPid, cancellationToken);
            if (status.IsZombie)
            {
                throw new ContainerNotFoundException(tree, "the process has exited (it is a zombie)");
            }

            var ownPidNs = _proc.ReadNamespaceInode(hostPid, NamespaceKind.Pid);
            if (ownPidNs == _proc.ReadNamespaceInode(_proc.SelfPid, NamespaceKind.Pid))
            {
                return hostPid;
            }

            var root = status;
            while (root.InnermostPid != 1 && root.ParentPid > 0
                   && SafeNamespace(root.ParentPid) == ownPidNs)
            {
                root = await _proc.ReadStatusAsync(root.ParentPid, cancellationToken);
            }

            return root.Pid;
        }
        catch (ProcessGoneException e)
        {
            throw new ContainerNotFoundException(tree, "no such process on this node (or it exited while being resolved)", e);
        }
    }

    private async Task<ResolvedContainer> ResolveRootAsync(int root, string? containerId, ProcessTreeRef tree,
        CancellationToken cancellationToken)
    {
        try
        {
            var selfPid = _proc.SelfPid;
            var agentNamespaces = _proc.ReadNamespaces(selfPid);
            var status = await _proc.ReadStatusAsync(root, cancellationToken);
            var namespaces = _proc.ReadNamespaces(root).ToDictionary(
                n => n.Key,
                n => new NamespaceInfo(n.Key, n.Value, agentNamespaces.TryGetValue(n.Key, out var own) && own == n.Value));
            var cgroups = await _proc.ReadCgroupsAsync(root, cancellationToken);
            var mounts = await _proc.ReadMountInfoAsync(root, cancellationToken);
            var hostMounts = await _proc.ReadMountInfoAsync(_hostMountsPid ?? selfPid, cancellationToken);
            var processes = await ReadTreeAsync(root, status.NamespacePids.Count - 1, cancellationToken);

            var sharesMnt = namespaces.TryGetValue(NamespaceKind.Mnt, out var mnt) && mnt.SharedWithAgent;
            var sharesPid = namespaces.TryGetValue(NamespaceKind.Pid, out var pidNs) && pidNs.SharedWithAgent;
            var (rootPath, isHostPath) = FindRootPath(root, sharesMnt, mounts, hostMounts);

            return new ResolvedContainer
            {
                InitPid = root,
                InNamespacePid = status.InnermostPid,
                ContainerId = containerId ?? cgroups.Select(c => ContainerIds.FromCgroupPath(c.Path)).FirstOrDefault(id => id is not null),
                Namespaces = namespaces,
                Cgroups = cgroups,
                Mounts = mounts,
                RootPath = rootPath,
                RootPathIsHostPath = isHostPath,
                ExternalMounts = sharesMnt ? [] : MountAnalysis.FindExternalMounts(mounts, hostMounts),
                StdioTargets = ReadStdio(root),
                HasControllingTerminal = processes.Any(p => p.TtyNumber != 0),
                Processes = processes,
                IsPidNamespaceInit = status.InnermostPid == 1 && !sharesPid,
                Kind = sharesPid ? ContainerKind.PlainProcess
                    : sharesMnt ? ContainerKind.PlainProcessInOwnPidNamespace
                    : ContainerKind.FullContainer,
            };
        }
        catch (ProcessGoneException e) when (e.Pid == root)
        {
            throw new ContainerNotFoundException(tree, $"its root process {root} exited while being resolved", e);
        }
    }

    private Dictionary<int, string> ReadStdio(int pid)
    {
        var targets = new Dictionary<int, string>();
        foreach (var fd in new[] { 0, 1, 2 })
        {
            if (File.Exists(Path.Combine(_proc.Root, pid.ToString(CultureInfo.InvariantCulture), "fd", fd.ToString(CultureInfo.InvariantCulture))))
            {
                targets[fd] = _proc.ReadLink(pid, "fd/" + fd.ToString(CultureInfo.InvariantCulture));
            }
        }

        return targets;
    }

    private (string Path, bool IsHostPath) FindRootPath(int pid, bool sharesMountNamespace, IReadOnlyList<MountInfo> mounts,
        IReadOnlyList<MountInfo> hostMounts)
    {
        if (sharesMountNamespace)
        {
            // Same mount namespace: the kernel resolves the root (a chroot, or "/") in our own terms.
            return (_proc.ReadLink(pid, "root"), true);
        }

        if (MountAnalysis.FindRootMount(mounts) is { } rootMount
            && MountAnalysis.MapToHost(rootMount, hostMounts) is { } hostPath
            && Directory.Exists(hostPath))
        {
            return (hostPath, true);
        }

        return (Path.Combine(_proc.Root, pid.ToString(CultureInfo.InvariantCulture), "root"), false);
    }

    // Parents before children; processes that exit during the walk are left out.
    private async Task<IReadOnlyList<ContainerProcess>> ReadTreeAsync(int root, int namespaceLevel, CancellationToken cancellationToken)
    {
        var result = new List<ContainerProcess>();
        var queue = new Queue<int>([root]);
        var seen = new HashSet<int>();
        IReadOnlyDictionary<int, int>? parents = null;
        while (queue.TryDequeue(out var pid))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!seen.Add(pid))
            {
                continue;
            }

            IReadOnlyList<int> children;
            try
            {
                var status = await _proc.ReadStatusAsync(pid, cancellationToken);
                var stat = await _proc.ReadStatAsync(pid, cancellationToken);
                var commandLine = await _proc.ReadCommandLineAsync(pid, cancellationToken);
                var inNamespace = status.NamespacePids.Count > namespaceLevel ? status.NamespacePids[namespaceLevel] : pid;
                result.Add(new ContainerProcess(pid, inNamespace, status.ParentPid, commandLine, stat.TtyNumber));
                if (_proc.HasChildrenFiles(pid))
                {
                    children = await _proc.ReadChildrenAsync(pid, cancellationToken);
                }
                else
                {
                    parents ??= await _proc.ReadParentsAsync(cancellationToken);
                    children = parents.Where(p => p.Value == pid).Select(p => p.Key).Order().ToArray();
                }
            }
            catch (ProcessGoneException) when (pid != root)
            {
                // Exited during the walk: not part of the tree any more.
                continue;
            }

            foreach (var child in children)
            {
                queue.Enqueue(child);
            }
        }

        return result;
    }
}
