using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>What to restore and where: exactly one of <see cref="NewPod"/> and <see cref="ExistingPod"/>.</summary>
public sealed class RestoreSpec
{
    /// <summary>Name of the Checkpoint to restore, in the same namespace.</summary>
    [JsonPropertyName("checkpointName")]
    public string CheckpointName { get; set; } = "";

    /// <summary>Restore into a new pod built from the checkpointed pod's spec.</summary>
    [JsonPropertyName("newPod")]
    public NewPodTarget? NewPod { get; set; }

    /// <summary>Restore into a container of an existing pod.</summary>
    [JsonPropertyName("existingPod")]
    public ExistingPodTarget? ExistingPod { get; set; }

    /// <summary>
    /// Delete the Restore this many seconds after it Succeeded or Failed (the pod a newPod Restore created goes with it).
    /// Unset: kept until deleted.
    /// </summary>
    [JsonPropertyName("ttlSecondsAfterFinished")]
    public int? TtlSecondsAfterFinished { get; set; }

    /// <summary>
    /// Restore memory on demand (CRIU's lazy pages): the application runs before its memory has arrived. Falls back
    /// to an eager restore, with <see cref="RestoreStatus.LazyFallbackReason"/> set, where the node cannot.
    /// </summary>
    [JsonPropertyName("lazy")]
    public bool? Lazy { get; set; }
}
