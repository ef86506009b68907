using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>How long the phases of a checkpoint took on the node.</summary>
public sealed class CheckpointTimings
{
    /// <summary>Time the process tree was frozen.</summary>
    [JsonPropertyName("freezeMilliseconds")]
    public long? FreezeMilliseconds { get; set; }

    /// <summary>Time CRIU spent dumping.</summary>
    [JsonPropertyName("dumpMilliseconds")]
    public long? DumpMilliseconds { get; set; }

    /// <summary>Time of the whole agent operation.</summary>
    [JsonPropertyName("totalMilliseconds")]
    public long? TotalMilliseconds { get; set; }
}
