using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>What the operator observed and did for a RestoreSet.</summary>
public sealed class RestoreSetStatus : ConditionedStatus
{
    /// <summary>Copies that exist and have not failed or ended: restoring or restored (the scale subresource's status.replicas).</summary>
    [JsonPropertyName("replicas")]
    public int? Replicas { get; set; }

    /// <summary>Copies whose pod is Ready: the Checkpoint was restored into its current run and its probes pass.</summary>
    [JsonPropertyName("readyReplicas")]
    public int? ReadyReplicas { get; set; }

    /// <summary>Placeholder pods of the current template kept ahead of need, not yet handed to a copy.</summary>
    [JsonPropertyName("warmPods")]
    public int? WarmPods { get; set; }

    /// <summary>Of <see cref="WarmPods"/>, those whose placeholder runs: a copy made from one of them is only a restore.</summary>
    [JsonPropertyName("runningWarmPods")]
    public int? RunningWarmPods { get; set; }

    /// <summary>The label selector of the copies' pods, as a string (the scale subresource's status.selector).</summary>
    [JsonPropertyName("selector")]
    public string? Selector { get; set; }

    /// <summary>Every copy: its Restore, pod, node, the Checkpoint it came from, and how far it got.</summary>
    [JsonPropertyName("copies")]
    public IList<RestoreSetCopy>? Copies { get; set; }

    /// <summary>
    /// Copies that failed since one last restored; the next copy waits for a delay that doubles with each of them, so
    /// a Checkpoint that cannot be restored is not retried in a tight loop. Absent once a copy restores.
    /// </summary>
    [JsonPropertyName("consecutiveFailures")]
    public int? ConsecutiveFailures { get; set; }

    /// <summary>When the latest failed copy was removed; the next copy waits until this plus the backoff delay.</summary>
    [JsonPropertyName("lastFailureTime")]
    public DateTime? LastFailureTime { get; set; }

    /// <summary>Human-readable summary of the latest state.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
