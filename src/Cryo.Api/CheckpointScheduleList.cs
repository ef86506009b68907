using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Cryo.Api;

/// <summary>A list of CheckpointSchedules as the API server returns it.</summary>
public sealed class CheckpointScheduleList : IKubernetesObject<V1ListMeta>, IItems<CheckpointSchedule>
{
    /// <inheritdoc/>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = CryoNames.ApiVersion;

    /// <inheritdoc/>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "CheckpointScheduleList";

    /// <inheritdoc/>
    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    /// <inheritdoc/>
    [JsonPropertyName("items")]
    public IList<CheckpointSchedule> Items { get; set; } = [];
}
