using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>How long each phase of a Migration took.</summary>
public sealed class MigrationTimings
{
    /// <summary>The target agent's preflight.</summary>
    [JsonPropertyName("preflightMilliseconds")]
    public long? PreflightMilliseconds { get; set; }

    /// <summary>The checkpoints on the source node's agent (each whole agent operation).</summary>
    [JsonPropertyName("checkpointingMilliseconds")]
    public long? CheckpointingMilliseconds { get; set; }

    /// <summary>From the final checkpoint's commit to the restore's start on the target: the new pod starting and the pull.</summary>
    [JsonPropertyName("transferringMilliseconds")]
    public long? TransferringMilliseconds { get; set; }

    /// <summary>The restore on the target node's agent.</summary>
    [JsonPropertyName("restoringMilliseconds")]
    public long? RestoringMilliseconds { get; set; }
}
