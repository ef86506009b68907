using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>A container of an existing pod that runs the Cryo placeholder.</summary>
public sealed class ExistingPodTarget
{
    /// <summary>Name of the pod.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>Name of the container; required when the pod has several.</summary>
    [JsonPropertyName("containerName")]
    public string? ContainerName { get; set; }
}
