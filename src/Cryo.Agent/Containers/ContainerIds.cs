using System.Text.RegularExpressions;
using Cryo.Agent.Operations;

namespace Cryo.Agent.Containers;

/// <summary>
/// Container IDs as CRI runtimes write them into cgroup paths: 64 hex digits, bare (containerd, cgroupfs
/// driver), <c>crio-ID</c> (CRI-O, cgroupfs), or a systemd scope <c>cri-containerd-ID.scope</c> /
/// <c>crio-ID.scope</c> (systemd driver), on cgroup v1 and v2 alike.
/// </summary>
public static partial class ContainerIds
{
    /// <summary>The shortest prefix accepted, as <c>docker ps</c> and <c>crictl ps</c> print them.</summary>
    public const int MinimumPrefixLength = 12;

    /// <summary>The length of a full ID.</summary>
    public const int FullLength = 64;

    /// <summary>
    /// Validates and normalises what a user or the Kubernetes API gives (<c>containerd://3f2a…</c>,
    /// <c>cri-o://…</c>, a bare ID or prefix, any letter case) to a lower-case hex prefix.
    /// </summary>
    /// <exception cref="ContainerResolutionException">With <see cref="ResolutionFailure.InvalidContainerId"/>.</exception>
    public static string Normalize(string containerId)
    {
        ArgumentNullException.ThrowIfNull(containerId);
        var id = containerId.Trim();
        var scheme = id.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            id = id[(scheme + 3)..];
        }

        id = id.ToLowerInvariant();
        if (id.Length < MinimumPrefixLength || id.Length > FullLength || !HexOnly().IsMatch(id))
        {
            throw new ContainerResolutionException(ResolutionFailure.InvalidContainerId, ProcessTreeRef.ForContainer(containerId),
                $"a container ID is {MinimumPrefixLength} to {FullLength} hex digits (optionally after 'containerd://' or 'cri-o://'); "
                + "copy it from the pod's status.containerStatuses[].containerID or from 'crictl ps'");
        }

        return id;
    }

    /// <summary>
    /// The full container ID named by the last component of a cgroup path, or <see langword="null"/> when
    /// that component is not a container's cgroup (the pod's, conmon's, a system slice…).
    /// </summary>
    public static string? FromCgroupPath(string cgroupPath)
    {
        var slash = cgroupPath.LastIndexOf('/');
        var last = slash >= 0 ? cgroupPath[(slash + 1)..] : cgroupPath;
        var match = ContainerComponent().Match(last);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex("^[0-9a-f]+$")]
    private static partial Regex HexOnly();

    [GeneratedRegex(@"^(?:(?:cri-containerd|crio|docker|libpod)-)?([0-9a-f]{64})(?:\.scope)?$")]
    private static partial Regex ContainerComponent();
}
