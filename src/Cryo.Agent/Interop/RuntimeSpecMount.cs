using System.Text.Json.Serialization;

namespace Cryo.Agent.Interop;

/// <summary>One mount of an OCI runtime spec.</summary>
public sealed class RuntimeSpecMount
{
    /// <summary>Where it is mounted in the container.</summary>
    [JsonPropertyName("destination")]
    public string Destination { get; set; } = string.Empty;

    /// <summary>The file system type (<c>bind</c> for bind mounts).</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>The source (a host path for bind mounts).</summary>
    [JsonPropertyName("source")]
    public string? Source { get; set; }

    /// <summary>Mount options.</summary>
    [JsonPropertyName("options")]
    public List<string>? Options { get; set; }
}
