using System.Text.Json.Serialization;
using k8s.Models;

namespace Cryo.Api;

/// <summary>What the operator observed and did for a Restore.</summary>
public sealed class RestoreStatus
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

    /// <summary>Runtime ID of the container restored into.</summary>
    [JsonPropertyName("containerID")]
    public string? ContainerId { get; set; }

    /// <summary>PIDs of the restored root process.</summary>
    [JsonPropertyName("pids")]
    public RestoredPids? Pids { get; set; }

    /// <summary>How long the phases took on the node.</summary>
    [JsonPropertyName("timings")]
    public RestoreTimings? Timings { get; set; }

    /// <summary>When the restore was first dispatched.</summary>
    [JsonPropertyName("startTime")]
    public DateTime? StartTime { get; set; }

    /// <summary>When it reached Succeeded or Failed.</summary>
    [JsonPropertyName("completionTime")]
    public DateTime? CompletionTime { get; set; }

    /// <summary>The generation this status describes.</summary>
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    /// <summary>Human-readable summary of the latest state.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }

    /// <summary>Observations of the state; types in <see cref="ConditionTypes"/>.</summary>
    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}
