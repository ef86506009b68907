using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Cryo.Api;

/// <summary>A CRIU snapshot of the whole process tree of one container of a pod in the same namespace.</summary>
[KubernetesEntity(Group = CryoNames.Group, ApiVersion = CryoNames.Version, Kind = KindName, PluralName = Plural)]
public sealed class Checkpoint : IKubernetesObject<V1ObjectMeta>, ISpec<CheckpointSpec>, IStatus<CheckpointStatus?>
{
    /// <summary>The kind.</summary>
    public const string KindName = "Checkpoint";

    /// <summary>The plural resource name.</summary>
    public const string Plural = "checkpoints";

    /// <inheritdoc/>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = CryoNames.ApiVersion;

    /// <inheritdoc/>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    /// <inheritdoc/>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>What to checkpoint and how. Immutable once created.</summary>
    [JsonPropertyName("spec")]
    public CheckpointSpec Spec { get; set; } = new();

    /// <summary>What the operator observed and did.</summary>
    [JsonPropertyName("status")]
    public CheckpointStatus? Status { get; set; }
}
