using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Cryo.Api;

/// <summary>
/// What a CheckpointSchedule checkpoints (exactly one of <see cref="PodName"/> and <see cref="Selector"/>), when (exactly
/// one of <see cref="Schedule"/> and <see cref="Every"/>), and how many of its Checkpoints it keeps.
/// </summary>
public sealed class CheckpointScheduleSpec
{
    /// <summary>The default of <see cref="SuccessfulCheckpointsHistoryLimit"/>.</summary>
    public const int DefaultSuccessfulHistoryLimit = 3;

    /// <summary>The default of <see cref="FailedCheckpointsHistoryLimit"/>.</summary>
    public const int DefaultFailedHistoryLimit = 1;

    /// <summary>Checkpoint this pod.</summary>
    [JsonPropertyName("podName")]
    public string? PodName { get; set; }

    /// <summary>Checkpoint every running pod of the namespace these labels select, one Checkpoint per pod per run.</summary>
    [JsonPropertyName("selector")]
    public V1LabelSelector? Selector { get; set; }

    /// <summary>The container to checkpoint; required when the pods have several.</summary>
    [JsonPropertyName("containerName")]
    public string? ContainerName { get; set; }

    /// <summary>A cron schedule of five fields (or a macro such as <c>@hourly</c>).</summary>
    [JsonPropertyName("schedule")]
    public string? Schedule { get; set; }

    /// <summary>The IANA time zone <see cref="Schedule"/> is read in; UTC when unset.</summary>
    [JsonPropertyName("timeZone")]
    public string? TimeZone { get; set; }

    /// <summary>An interval such as <c>1h</c> or <c>90m</c>, counted from the schedule's creation.</summary>
    [JsonPropertyName("every")]
    public string? Every { get; set; }

    /// <summary>What a run does while earlier Checkpoints of the schedule have not finished; one of <see cref="Api.ConcurrencyPolicy"/>.</summary>
    [JsonPropertyName("concurrencyPolicy")]
    [ApiEnum(typeof(ConcurrencyPolicy))]
    [DefaultValue(Api.ConcurrencyPolicy.Forbid)]
    public string? ConcurrencyPolicy { get; set; }

    /// <summary>A run that could not start within this many seconds of its time is skipped.</summary>
    [JsonPropertyName("startingDeadlineSeconds")]
    public long? StartingDeadlineSeconds { get; set; }

    /// <summary>Start no run while true (Checkpoints already started go on).</summary>
    [JsonPropertyName("suspend")]
    [DefaultValue(false)]
    public bool? Suspend { get; set; }

    /// <summary>The options of the Checkpoints the schedule creates.</summary>
    [JsonPropertyName("checkpointTemplate")]
    public CheckpointTemplate? CheckpointTemplate { get; set; }

    /// <summary>How many Succeeded Checkpoints to keep.</summary>
    [JsonPropertyName("successfulCheckpointsHistoryLimit")]
    [DefaultValue(DefaultSuccessfulHistoryLimit)]
    public int? SuccessfulCheckpointsHistoryLimit { get; set; }

    /// <summary>How many Failed Checkpoints to keep.</summary>
    [JsonPropertyName("failedCheckpointsHistoryLimit")]
    [DefaultValue(DefaultFailedHistoryLimit)]
    public int? FailedCheckpointsHistoryLimit { get; set; }

    /// <summary>Finished Checkpoints older than this (a duration such as <c>168h</c> or <c>7d</c>) are deleted whatever the limits.</summary>
    [JsonPropertyName("maxAge")]
    public string? MaxAge { get; set; }

    /// <summary><see cref="ConcurrencyPolicy"/> with its default applied.</summary>
    [JsonIgnore]
    public string EffectiveConcurrencyPolicy => ConcurrencyPolicy ?? Api.ConcurrencyPolicy.Forbid;

    /// <summary><see cref="SuccessfulCheckpointsHistoryLimit"/> with its default applied.</summary>
    [JsonIgnore]
    public int EffectiveSuccessfulHistoryLimit => SuccessfulCheckpointsHistoryLimit ?? DefaultSuccessfulHistoryLimit;

    /// <summary><see cref="FailedCheckpointsHistoryLimit"/> with its default applied.</summary>
    [JsonIgnore]
    public int EffectiveFailedHistoryLimit => FailedCheckpointsHistoryLimit ?? DefaultFailedHistoryLimit;
}
