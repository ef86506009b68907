using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>One copy of a RestoreSet: a Restore of the set and the pod it restores into (both of the same name).</summary>
public sealed class RestoreSetCopy
{
    /// <summary>Name of the copy's Restore.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>The pod the copy restores into.</summary>
    [JsonPropertyName("podName")]
    public string? PodName { get; set; }

    /// <summary>The node of that pod, once scheduled.</summary>
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    /// <summary>The Checkpoint the copy was restored from (the set's checkpointName when the copy was made).</summary>
    [JsonPropertyName("checkpointName")]
    public string? CheckpointName { get; set; }

    /// <summary>The phase of the copy's Restore, one of <see cref="Api.Phase"/>.</summary>
    [JsonPropertyName("phase")]
    [ApiEnum(typeof(Phase))]
    public string? Phase { get; set; }

    /// <summary>Whether the copy's pod is Ready.</summary>
    [JsonPropertyName("ready")]
    public bool? Ready { get; set; }
}
