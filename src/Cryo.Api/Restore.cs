using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Cryo.Api;

/// <summary>Reanimates a Succeeded Checkpoint of the same namespace in a new or an existing pod.</summary>
[KubernetesEntity(Group = CryoNames.Group, ApiVersion = CryoNames.Version, Kind = KindName, PluralName = Plural)]
public sealed class Restore : IKubernetesObject<V1ObjectMeta>, ISpec<RestoreSpec>, IStatus<RestoreStatus?>
{
    /// <summary>The kind.</summary>
    public const string KindName = "Restore";

    /// <summary>The plural resource name.</summary>
    public const string Plural = "restores";

    /// <inheritdoc/>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = CryoNames.ApiVersion;

    /// <inheritdoc/>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    /// <inheritdoc/>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>What to restore and where. Immutable once created.</summary>
    [JsonPropertyName("spec")]
    public RestoreSpec Spec { get; set; } = new();

    /// <summary>What the operator observed and did.</summary>
    [JsonPropertyName("status")]
    public RestoreStatus? Status { get; set; }
}
