using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>How long the phases of a restore took on the node.</summary>
public sealed class RestoreTimings
{
    /// <summary>Time spent verifying the checkpoint's manifest and file checksums.</summary>
    [JsonPropertyName("verifyMilliseconds")]
    public long? VerifyMilliseconds { get; set; }

    /// <summary>Time CRIU spent restoring.</summary>
    [JsonPropertyName("restoreMilliseconds")]
    public long? RestoreMilliseconds { get; set; }

    /// <summary>Time of the whole agent operation, preflight included.</summary>
    [JsonPropertyName("totalMilliseconds")]
    public long? TotalMilliseconds { get; set; }
}
