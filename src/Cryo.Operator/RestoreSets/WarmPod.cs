using Cryo.Api;
using k8s.Models;

namespace Cryo.Operator.RestoreSets;

/// <summary>A placeholder pod a RestoreSet keeps ahead of need: owned by the set, not yet handed to a copy.</summary>
/// <param name="Pod">The pod.</param>
public sealed record WarmPod(V1Pod Pod)
{
    /// <summary>The pod's name, which a copy made from it takes.</summary>
    public string Name => Pod.Metadata.Name;

    /// <summary>The hash of the template the pod was built from.</summary>
    public string? TemplateHash => Pod.Metadata.Labels?.TryGetValue(CryoNames.TemplateHashLabel, out var hash) == true ? hash : null;

    /// <summary>Its placeholder runs: a copy made from it is only a restore.</summary>
    public bool IsRunning =>
        Pod.Status?.Phase == "Running" &&
        Pod.Metadata.Annotations?.TryGetValue(CryoNames.PlaceholderContainerAnnotation, out var container) == true &&
        Pod.Status.ContainerStatuses?.Any(c => c.Name == container && c.State?.Running is not null && !string.IsNullOrEmpty(c.ContainerID)) == true;

    /// <summary>It ended or is going: it can never take a copy.</summary>
    public bool IsGone => Pod.Metadata.DeletionTimestamp is not null || Pod.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>When it was created, for taking the one that waited longest.</summary>
    public DateTime Created => Pod.Metadata.CreationTimestamp ?? DateTime.MinValue;
}
