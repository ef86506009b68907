using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Cryo.Api;

/// <summary>A list of one kind of Cryo resource as the API server returns it.</summary>
/// <typeparam name="T">The listed resource.</typeparam>
public abstract class CryoResourceList<T> : IKubernetesObject<V1ListMeta>, IItems<T>
{
    /// <summary>Starts a list of the given kind (the resource's kind followed by <c>List</c>).</summary>
    /// <param name="kind">The list's kind.</param>
    protected CryoResourceList(string kind) => Kind = kind;

    /// <inheritdoc/>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = CryoNames.ApiVersion;

    /// <inheritdoc/>
    [JsonPropertyName("kind")]
    public string Kind { get; set; }

    /// <inheritdoc/>
    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    /// <inheritdoc/>
    [JsonPropertyName("items")]
    public IList<T> Items { get; set; } = [];
}
