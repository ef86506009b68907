using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Cryo.Api;

/// <summary>
/// The envelope every Cryo custom resource shares: apiVersion, kind, metadata, a spec the user writes and a status
/// only the operator writes. Each resource says what its spec and status mean in its own summary.
/// </summary>
/// <typeparam name="TSpec">The resource's spec.</typeparam>
/// <typeparam name="TStatus">The resource's status.</typeparam>
public abstract class CryoResource<TSpec, TStatus> : IKubernetesObject<V1ObjectMeta>, ISpec<TSpec>, IStatus<TStatus?>
    where TSpec : class, new()
    where TStatus : class
{
    /// <summary>Starts a resource of the given kind in Cryo's API version.</summary>
    /// <param name="kind">The resource's kind.</param>
    protected CryoResource(string kind) => Kind = kind;

    /// <inheritdoc/>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = CryoNames.ApiVersion;

    /// <inheritdoc/>
    [JsonPropertyName("kind")]
    public string Kind { get; set; }

    /// <inheritdoc/>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>What the user asked for.</summary>
    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();

    /// <summary>What the operator observed and did; unset until its first pass.</summary>
    [JsonPropertyName("status")]
    public TStatus? Status { get; set; }
}
