using k8s.Models;

namespace Cryo.Operator.Reconciling;

/// <summary>A running container of a pod, as the API server reports it.</summary>
/// <param name="Pod">The pod.</param>
/// <param name="ContainerName">The container's name.</param>
/// <param name="ContainerId">The runtime's ID with its scheme, e.g. containerd://abc.</param>
public sealed record RunningContainer(V1Pod Pod, string ContainerName, string ContainerId)
{
    /// <summary>The bare runtime ID the agent takes (the part after <c>scheme://</c>).</summary>
    public string RuntimeId => ContainerId.Contains("://", StringComparison.Ordinal) ? ContainerId[(ContainerId.IndexOf("://", StringComparison.Ordinal) + 3)..] : ContainerId;

    /// <summary>The node the pod runs on.</summary>
    public string NodeName => Pod.Spec.NodeName;

    /// <summary>The container's status, as read with the pod.</summary>
    public V1ContainerStatus? Status => Pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == ContainerName);

    /// <summary>The restartCount of the container's run, as read with the pod: which run this is.</summary>
    public int RestartCount => Status?.RestartCount ?? 0;
}
