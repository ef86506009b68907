using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>
/// Marks a Checkpoint whose images come from a checkpoint archive (the kubelet's layout, brought by
/// <c>kubectl cryo import</c>) instead of a dump of a running pod: the operator waits for the archive to be in the
/// store of the agent on <see cref="NodeName"/> and records what it holds. Its pod need not exist.
/// </summary>
public sealed class CheckpointImport
{
    /// <summary>The node whose agent receives the archive.</summary>
    [JsonPropertyName("nodeName")]
    public string NodeName { get; set; } = "";
}
