using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>How long each phase of a Migration took.</summary>
public sealed class MigrationTimings
{
    /// <summary>The target agent's preflight.</summary>
    [JsonPropertyName("preflightMilliseconds")]
    public long? PreflightMilliseconds { get; set; }

    /// <summary>precopy: the live checkpoint and its transfer to the target, while the workload ran.</summary>
    [JsonPropertyName("precopyMilliseconds")]
    public long? PrecopyMilliseconds { get; set; }

    /// <summary>The final checkpoint on the source node's agent (the whole agent operation).</summary>
    [JsonPropertyName("checkpointingMilliseconds")]
    public long? CheckpointingMilliseconds { get; set; }

    /// <summary>From the final checkpoint's commit to the restore's start on the target: the new pod starting and the pull.</summary>
    [JsonPropertyName("transferringMilliseconds")]
    public long? TransferringMilliseconds { get; set; }

    /// <summary>The restore on the target node's agent.</summary>
    [JsonPropertyName("restoringMilliseconds")]
    public long? RestoringMilliseconds { get; set; }
}
