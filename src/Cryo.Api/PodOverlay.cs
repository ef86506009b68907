using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>
/// What a RestoreSet's pods carry on top of the checkpointed pod's spec: metadata, and the few fields of the pod spec
/// that place and schedule a pod without changing what the restored process finds in its container.
/// </summary>
public sealed class PodOverlay
{
    /// <summary>Labels and annotations for the pods.</summary>
    [JsonPropertyName("metadata")]
    public PodOverlayMetadata? Metadata { get; set; }

    /// <summary>Pod spec fields that replace the checkpointed pod's.</summary>
    [JsonPropertyName("spec")]
    public PodSpecOverlay? Spec { get; set; }
}
