using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Cryo.Api;

/// <summary>A list of Migrations as the API server returns it.</summary>
public sealed class MigrationList : IKubernetesObject<V1ListMeta>, IItems<Migration>
{
    /// <inheritdoc/>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = CryoNames.ApiVersion;

    /// <inheritdoc/>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "MigrationList";

    /// <inheritdoc/>
    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    /// <inheritdoc/>
    [JsonPropertyName("items")]
    public IList<Migration> Items { get; set; } = [];
}
