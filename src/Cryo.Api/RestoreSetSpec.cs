using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>How many restored copies of which Checkpoint to keep, in what pods. Unset optional fields take the defaults the CRD declares.</summary>
public sealed class RestoreSetSpec
{
    /// <summary>The default of <see cref="Replicas"/>.</summary>
    public const int DefaultReplicas = 1;

    /// <summary>The default of <see cref="WarmPool"/>.</summary>
    public const int DefaultWarmPool = 0;

    /// <summary>How many copies to keep running (the scale subresource's spec.replicas).</summary>
    [JsonPropertyName("replicas")]
    [DefaultValue(DefaultReplicas)]
    public int? Replicas { get; set; }

    /// <summary>Name of the Checkpoint new copies restore, in the same namespace. Copies made before a change keep theirs.</summary>
    [JsonPropertyName("checkpointName")]
    public string CheckpointName { get; set; } = "";

    /// <summary>
    /// How many placeholder pods to keep started ahead of need, beyond the copies: a scale-up, or the replacement of a
    /// copy, restores into one of them instead of waiting for a new pod to be scheduled and started.
    /// </summary>
    [JsonPropertyName("warmPool")]
    [DefaultValue(DefaultWarmPool)]
    public int? WarmPool { get; set; }

    /// <summary>
    /// Make every copy a lazy restore (<see cref="RestoreSpec.Lazy"/>): a copy runs before its memory has arrived, so a
    /// scale-up answers sooner. Changing it affects new copies only.
    /// </summary>
    [JsonPropertyName("lazy")]
    public bool? Lazy { get; set; }

    /// <summary>What the set's pods carry on top of the checkpointed pod's spec.</summary>
    [JsonPropertyName("template")]
    public PodOverlay? Template { get; set; }

    /// <summary><see cref="Replicas"/> with its default applied.</summary>
    [JsonIgnore]
    public int EffectiveReplicas => Replicas ?? DefaultReplicas;

    /// <summary><see cref="WarmPool"/> with its default applied.</summary>
    [JsonIgnore]
    public int EffectiveWarmPool => WarmPool ?? DefaultWarmPool;
}
