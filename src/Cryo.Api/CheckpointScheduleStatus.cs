using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>What the operator observed and did for a CheckpointSchedule.</summary>
public sealed class CheckpointScheduleStatus : ConditionedStatus
{
    /// <summary>The time of the latest run that started (its scheduled time, not when it started).</summary>
    [JsonPropertyName("lastScheduleTime")]
    public DateTime? LastScheduleTime { get; set; }

    /// <summary>When the newest Succeeded Checkpoint of the schedule completed.</summary>
    [JsonPropertyName("lastSuccessfulTime")]
    public DateTime? LastSuccessfulTime { get; set; }

    /// <summary>The name of the newest Succeeded Checkpoint of the schedule.</summary>
    [JsonPropertyName("lastSuccessfulCheckpoint")]
    public string? LastSuccessfulCheckpoint { get; set; }

    /// <summary>When the next run is due (absent while suspended or invalid).</summary>
    [JsonPropertyName("nextScheduleTime")]
    public DateTime? NextScheduleTime { get; set; }

    /// <summary>The schedule's Checkpoints that have not finished.</summary>
    [JsonPropertyName("active")]
    public IList<string>? Active { get; set; }

    /// <summary>Human-readable summary of the latest state.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
