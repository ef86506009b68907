using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>Which pod a Migration moves, where, and how.</summary>
public sealed class MigrationSpec
{
    /// <summary>The running pod to move, in the Migration's namespace.</summary>
    [JsonPropertyName("podName")]
    public string PodName { get; set; } = string.Empty;

    /// <summary>The container to move; required when the pod has more than one.</summary>
    [JsonPropertyName("containerName")]
    public string? ContainerName { get; set; }

    /// <summary>
    /// The node to move it to; it must run a Cryo agent and differ from the pod's node. Without it (and without
    /// <see cref="NodeSelector"/>), any Ready node other than the pod's whose agent answers.
    /// </summary>
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    /// <summary>
    /// Instead of <see cref="NodeName"/>: the target is a Ready node other than the pod's carrying all these labels and
    /// running a Cryo agent (the first by name), chosen once, before anything is stopped, and recorded in
    /// <c>status.targetNode</c>.
    /// </summary>
    [JsonPropertyName("nodeSelector")]
    public IDictionary<string, string>? NodeSelector { get; set; }

    /// <summary>How: <see cref="MigrationMode.StopAndCopy"/> (the default) or <see cref="MigrationMode.Precopy"/>.</summary>
    [JsonPropertyName("mode")]
    [ApiEnum(typeof(MigrationMode))]
    [DefaultValue(MigrationMode.StopAndCopy)]
    public string? Mode { get; set; }
}
