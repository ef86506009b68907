using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>What the operator observed and did for a Restore.</summary>
public sealed class RestoreStatus : ConditionedStatus
{
    /// <summary>Lifecycle phase, one of <see cref="Api.Phase"/>.</summary>
    [JsonPropertyName("phase")]
    [ApiEnum(typeof(Phase))]
    public string? Phase { get; set; }

    /// <summary>The pod the processes were restored into.</summary>
    [JsonPropertyName("podName")]
    public string? PodName { get; set; }

    /// <summary>The node of that pod.</summary>
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    /// <summary>Runtime ID of the container restored into (the latest one, after restarts).</summary>
    [JsonPropertyName("containerID")]
    public string? ContainerId { get; set; }

    /// <summary>PIDs of the restored root process (of the latest restore).</summary>
    [JsonPropertyName("pids")]
    public RestoredPids? Pids { get; set; }

    /// <summary>How long the phases took on the node.</summary>
    [JsonPropertyName("timings")]
    public RestoreTimings? Timings { get; set; }

    /// <summary>True when the restored memory was served lazily.</summary>
    [JsonPropertyName("lazy")]
    public bool? Lazy { get; set; }

    /// <summary>Why a restore asked to be lazy was eager instead; null otherwise.</summary>
    [JsonPropertyName("lazyFallbackReason")]
    public string? LazyFallbackReason { get; set; }

    /// <summary>
    /// How many times the Checkpoint was restored into the target: 1 after the first restore, one more for
    /// each restore into the restarted container of a newPod target.
    /// </summary>
    [JsonPropertyName("restoreCount")]
    public int? RestoreCount { get; set; }

    /// <summary>When the latest restore (the first or a later one) completed.</summary>
    [JsonPropertyName("lastRestoreTime")]
    public DateTime? LastRestoreTime { get; set; }

    /// <summary>
    /// The target container's restartCount (from the pod's containerStatuses) when the latest restore went
    /// into it; a running container with a higher count is a fresh placeholder to restore into again.
    /// </summary>
    [JsonPropertyName("containerRestartCount")]
    public int? ContainerRestartCount { get; set; }

    /// <summary>
    /// Failed attempts in a row to restore into the restarted container of a newPod target; absent once one
    /// succeeds. A failure the agent says retrying cannot fix, or reaching the operator's limit, fails the Restore.
    /// </summary>
    [JsonPropertyName("rerestoreFailures")]
    public int? RerestoreFailures { get; set; }

    /// <summary>When the restore was first dispatched.</summary>
    [JsonPropertyName("startTime")]
    public DateTime? StartTime { get; set; }

    /// <summary>When the first restore reached Succeeded, or the Restore Failed.</summary>
    [JsonPropertyName("completionTime")]
    public DateTime? CompletionTime { get; set; }

    /// <summary>Human-readable summary of the latest state.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
