using System.Text.Json.Serialization;
using k8s.Models;

namespace Cryo.Api;

/// <summary>What the operator observed and did for a Checkpoint.</summary>
public sealed class CheckpointStatus : ConditionedStatus
{
    /// <summary>Lifecycle phase, one of <see cref="Api.Phase"/>.</summary>
    [JsonPropertyName("phase")]
    [ApiEnum(typeof(Phase))]
    public string? Phase { get; set; }

    /// <summary>The node the pod ran on.</summary>
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    /// <summary>UID of the checkpointed pod.</summary>
    [JsonPropertyName("podUID")]
    public string? PodUid { get; set; }

    /// <summary>Runtime ID of the checkpointed container.</summary>
    [JsonPropertyName("containerID")]
    public string? ContainerId { get; set; }

    /// <summary>Directory of the committed checkpoint relative to the volume root.</summary>
    [JsonPropertyName("location")]
    public string? Location { get; set; }

    /// <summary>Bytes the checkpoint holds: for an increment, with the memory it reads from its parents (what a full checkpoint would take).</summary>
    [JsonPropertyName("sizeBytes")]
    public long? SizeBytes { get; set; }

    /// <summary>Bytes this checkpoint adds to the volume (its own files): <see cref="SizeBytes"/> for a full checkpoint, less for an increment.</summary>
    [JsonPropertyName("storedBytes")]
    public long? StoredBytes { get; set; }

    /// <summary>
    /// Bytes of the flat copy the agent keeps beside this increment while it is the newest of its chain (CRIU's full images, so
    /// that its restore reads no parent): not in <see cref="StoredBytes"/>, since the next increment of the chain removes it
    /// (the operator then unsets it). Unset for a full checkpoint or an increment that keeps none.
    /// </summary>
    [JsonPropertyName("flatCopyBytes")]
    public long? FlatCopyBytes { get; set; }

    /// <summary>The parent Checkpoint this one is an increment of (spec.parentCheckpoint, or what <c>auto</c> chose); unset for a full checkpoint.</summary>
    [JsonPropertyName("parent")]
    public string? Parent { get; set; }

    /// <summary>
    /// Nodes other than <see cref="NodeName"/> whose agents pulled a copy of this checkpoint (per-node storage), recorded
    /// as each pull succeeds; deleting the Checkpoint deletes the images there too.
    /// </summary>
    [JsonPropertyName("copies")]
    public IList<string>? Copies { get; set; }

    /// <summary>Checkpoints a restore reads, this one included: 1 for a full checkpoint.</summary>
    [JsonPropertyName("chainLength")]
    public int? ChainLength { get; set; }

    /// <summary>How the page images are stored (<c>zstd</c> when compressed at rest); unset when stored as CRIU wrote them.</summary>
    [JsonPropertyName("compression")]
    public string? Compression { get; set; }

    /// <summary>CRIU version that wrote the images.</summary>
    [JsonPropertyName("criuVersion")]
    public string? CriuVersion { get; set; }

    /// <summary>How long the phases took on the node.</summary>
    [JsonPropertyName("timings")]
    public CheckpointTimings? Timings { get; set; }

    /// <summary>When the checkpoint was first dispatched.</summary>
    [JsonPropertyName("startTime")]
    public DateTime? StartTime { get; set; }

    /// <summary>When it reached Succeeded or Failed.</summary>
    [JsonPropertyName("completionTime")]
    public DateTime? CompletionTime { get; set; }

    /// <summary>The checkpointed pod's spec, for Restores with a newPod target.</summary>
    [JsonPropertyName("podSpec")]
    public V1PodSpec? PodSpec { get; set; }

    /// <summary>Human-readable summary of the latest state.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
