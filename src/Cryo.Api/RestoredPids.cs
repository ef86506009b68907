using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>The process ID of a restored tree's root, seen from the host and from inside its PID namespace.</summary>
public sealed class RestoredPids
{
    /// <summary>PID in the node's PID namespace.</summary>
    [JsonPropertyName("host")]
    public long? Host { get; set; }

    /// <summary>PID inside the restored PID namespace (the checkpointed PID).</summary>
    [JsonPropertyName("inNamespace")]
    public long? InNamespace { get; set; }
}
