using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>What the operator observed and did for a Migration.</summary>
public sealed class MigrationStatus : ConditionedStatus
{
    /// <summary>Where the migration is, one of <see cref="MigrationPhase"/>.</summary>
    [JsonPropertyName("phase")]
    [ApiEnum(typeof(MigrationPhase))]
    public string? Phase { get; set; }

    /// <summary>The node the pod ran on.</summary>
    [JsonPropertyName("sourceNode")]
    public string? SourceNode { get; set; }

    /// <summary>UID of the pod moved: a pod of the same name with another UID is not deleted.</summary>
    [JsonPropertyName("sourcePodUID")]
    public string? SourcePodUid { get; set; }

    /// <summary>The node the copy runs (or was to run) on.</summary>
    [JsonPropertyName("targetNode")]
    public string? TargetNode { get; set; }

    /// <summary>The pod the copy runs in (on the target, or on the source node after a failed restore there).</summary>
    [JsonPropertyName("targetPod")]
    public string? TargetPod { get; set; }

    /// <summary>precopy: the live checkpoint taken and transferred while the workload ran, a Checkpoint owned by the Migration.</summary>
    [JsonPropertyName("precopyCheckpointName")]
    public string? PrecopyCheckpointName { get; set; }

    /// <summary>The final checkpoint, a Checkpoint owned by the Migration.</summary>
    [JsonPropertyName("checkpointName")]
    public string? CheckpointName { get; set; }

    /// <summary>The restore on the target node, a Restore owned by the Migration.</summary>
    [JsonPropertyName("restoreName")]
    public string? RestoreName { get; set; }

    /// <summary>After the restore on the target failed: the Restore that brings the workload back on the source node.</summary>
    [JsonPropertyName("fallbackRestoreName")]
    public string? FallbackRestoreName { get; set; }

    /// <summary>How long each phase took.</summary>
    [JsonPropertyName("timings")]
    public MigrationTimings? Timings { get; set; }

    /// <summary>How long the workload did not run: from the source's freeze for the final dump to the copy running on the target.</summary>
    [JsonPropertyName("downtimeMilliseconds")]
    public long? DowntimeMilliseconds { get; set; }

    /// <summary>When the migration began.</summary>
    [JsonPropertyName("startTime")]
    public DateTime? StartTime { get; set; }

    /// <summary>When it Completed or Failed.</summary>
    [JsonPropertyName("completionTime")]
    public DateTime? CompletionTime { get; set; }

    /// <summary>Human-readable summary of the latest state.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
