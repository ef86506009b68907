using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>How long the phases of a restore took on the node.</summary>
public sealed class RestoreTimings
{
    /// <summary>Time CRIU spent restoring.</summary>
    [JsonPropertyName("restoreMilliseconds")]
    public long? RestoreMilliseconds { get; set; }

    /// <summary>Time of the whole agent operation, preflight included.</summary>
    [JsonPropertyName("totalMilliseconds")]
    public long? TotalMilliseconds { get; set; }
}
