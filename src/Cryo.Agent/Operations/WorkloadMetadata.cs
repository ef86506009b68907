namespace Cryo.Agent.Operations;

/// <summary>
/// Kubernetes metadata of a checkpointed workload, recorded in the manifest as the caller gave it.
/// Empty strings when unknown (e.g. a checkpoint made with the CLI from a bare PID).
/// </summary>
/// <param name="PodName">The pod's name.</param>
/// <param name="PodUid">The pod's UID.</param>
/// <param name="ContainerName">The container's name within the pod.</param>
/// <param name="Image">The container's image reference.</param>
public sealed record WorkloadMetadata(string PodName, string PodUid, string ContainerName, string Image)
{
    /// <summary>No metadata.</summary>
    public static readonly WorkloadMetadata None = new(string.Empty, string.Empty, string.Empty, string.Empty);
}
