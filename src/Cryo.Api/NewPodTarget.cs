using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>A new pod, owned by the Restore, built from the checkpointed pod's spec.</summary>
public sealed class NewPodTarget
{
    /// <summary>Name of the pod; defaults to the Restore's name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>Pin the pod to this node.</summary>
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    /// <summary>Node labels the pod must be scheduled onto.</summary>
    [JsonPropertyName("nodeSelector")]
    public IDictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Extra labels for the pod.</summary>
    [JsonPropertyName("labels")]
    public IDictionary<string, string>? Labels { get; set; }
}
