using System.Text.Json.Serialization;

namespace Cryo.Agent.Interop;

/// <summary>
/// <c>config.dump</c>: the checkpointed container's metadata as CRI-O and containerd write it (a reduced copy of
/// Podman's container config, field names as checkpointctl reads them).
/// </summary>
public sealed class ContainerConfigDump
{
    /// <summary>The container's runtime ID.</summary>
    [JsonPropertyName("id")]
    public string Id { get; set; } = string.Empty;

    /// <summary>The container's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    /// <summary>The image the container ran, as the pod spec named it.</summary>
    [JsonPropertyName("rootfsImage")]
    public string? RootfsImage { get; set; }

    /// <summary>The image's resolved reference (an ID or digest where the runtime knows it).</summary>
    [JsonPropertyName("rootfsImageRef")]
    public string? RootfsImageRef { get; set; }

    /// <summary>The image's name.</summary>
    [JsonPropertyName("rootfsImageName")]
    public string? RootfsImageName { get; set; }

    /// <summary>The OCI runtime (runc, crun).</summary>
    [JsonPropertyName("runtime")]
    public string? Runtime { get; set; }

    /// <summary>When the container was created.</summary>
    [JsonPropertyName("createdTime")]
    public DateTimeOffset CreatedTime { get; set; }

    /// <summary>When it was checkpointed.</summary>
    [JsonPropertyName("checkpointedTime")]
    public DateTimeOffset? CheckpointedTime { get; set; }
}
