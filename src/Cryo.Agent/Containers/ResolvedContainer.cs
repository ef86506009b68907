namespace Cryo.Agent.Containers;

/// <summary>What the node shows about a container's process tree: everything a checkpoint needs to know.</summary>
public sealed record ResolvedContainer
{
    /// <summary>Host PID of the tree's root (the container's init; what <c>criu dump -t</c> takes).</summary>
    public required int InitPid { get; init; }

    /// <summary>The root's PID in its own PID namespace (1 for a container's init).</summary>
    public required int InNamespacePid { get; init; }

    /// <summary>The full container ID when resolved by ID (or when the root's cgroup path names one), else <see langword="null"/>.</summary>
    public string? ContainerId { get; init; }

    /// <summary>The root's namespaces, and whether the agent shares each.</summary>
    public required IReadOnlyDictionary<NamespaceKind, NamespaceInfo> Namespaces { get; init; }

    /// <summary>The root's cgroup memberships, one per hierarchy (v1 lines and the v2 line).</summary>
    public required IReadOnlyList<CgroupEntry> Cgroups { get; init; }

    /// <summary>The root's mounts (<c>/proc/PID/mountinfo</c>), seen from its root directory.</summary>
    public required IReadOnlyList<MountInfo> Mounts { get; init; }

    /// <summary>
    /// The container's root directory as a path in the agent's mount namespace: the host directory behind
    /// the root mount when one can be found (a bind or overlay mount also mounted on the host), else
    /// <c>/proc/PID/root</c>. CRIU's <c>restore --root</c> needs the former.
    /// </summary>
    public required string RootPath { get; init; }

    /// <summary><see langword="true"/> when <see cref="RootPath"/> is a real host path, not <c>/proc/PID/root</c>.</summary>
    public required bool RootPathIsHostPath { get; init; }

    /// <summary>The mounts to declare external to CRIU (empty when the tree shares the agent's mount namespace).</summary>
    public required IReadOnlyList<ExternalMount> ExternalMounts { get; init; }

    /// <summary>
    /// Where the root's fds 0, 1 and 2 point (<c>pipe:[N]</c>, <c>/dev/null</c>, <c>/dev/pts/N</c>…), for
    /// connecting a restored tree's output to the target's (CRIU <c>--inherit-fd</c>); closed fds are absent.
    /// </summary>
    public required IReadOnlyDictionary<int, string> StdioTargets { get; init; }

    /// <summary><see langword="true"/> when any process of the tree has a controlling terminal (CRIU then needs <c>--shell-job</c>).</summary>
    public required bool HasControllingTerminal { get; init; }

    /// <summary>The whole tree, root first, parents before children.</summary>
    public required IReadOnlyList<ContainerProcess> Processes { get; init; }

    /// <summary><see langword="true"/> when the root is PID 1 of its own PID namespace.</summary>
    public required bool IsPidNamespaceInit { get; init; }

    /// <summary><see langword="true"/> when the tree shares the agent's mount namespace.</summary>
    public bool SharesHostMountNamespace => Namespaces.TryGetValue(NamespaceKind.Mnt, out var ns) && ns.SharedWithAgent;

    /// <summary><see langword="true"/> when the tree shares the agent's network namespace.</summary>
    public bool SharesHostNetworkNamespace => Namespaces.TryGetValue(NamespaceKind.Net, out var ns) && ns.SharedWithAgent;

    /// <summary>Full container, plain process in its own PID namespace, or plain process.</summary>
    public required ContainerKind Kind { get; init; }
}
