using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>What to checkpoint (the pod and container) and how (<see cref="CheckpointSettings"/>). Unset optional fields take the defaults the CRD declares.</summary>
public sealed class CheckpointSpec : CheckpointSettings
{
    /// <summary>Name of the pod to checkpoint.</summary>
    [JsonPropertyName("podName")]
    public string PodName { get; set; } = "";

    /// <summary>Namespace of the pod; when set it must be the Checkpoint's own namespace.</summary>
    [JsonPropertyName("podNamespace")]
    public string? PodNamespace { get; set; }

    /// <summary>Name of the container; required when the pod has several.</summary>
    [JsonPropertyName("containerName")]
    public string? ContainerName { get; set; }

    /// <summary>
    /// Delete the Checkpoint (and so its images) this many seconds after it Succeeded or Failed; kept while a Restore in
    /// progress, a child Checkpoint or a RestoreSet still needs it. Unset: kept until deleted.
    /// </summary>
    [JsonPropertyName("ttlSecondsAfterFinished")]
    public int? TtlSecondsAfterFinished { get; set; }

    /// <summary>
    /// Set for a Checkpoint imported from a checkpoint archive (<c>kubectl cryo import</c>): no pod is dumped, and
    /// <see cref="PodName"/> only records the pod the archive was taken of, which need not exist.
    /// </summary>
    [JsonPropertyName("import")]
    public CheckpointImport? Import { get; set; }
}
