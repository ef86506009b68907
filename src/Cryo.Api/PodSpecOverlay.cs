using System.Text.Json.Serialization;
using k8s.Models;

namespace Cryo.Api;

/// <summary>
/// The pod spec fields a RestoreSet may set on its pods, each replacing the checkpointed pod's when set. They decide
/// where and how a pod is scheduled and what happens when its application ends, not what the restored process finds
/// in its container: the image, command, environment, volumes, security context, service account and host namespaces
/// stay the checkpointed pod's, since the restored process was running with them.
/// </summary>
public sealed class PodSpecOverlay
{
    /// <summary>Node labels the pods must be scheduled onto.</summary>
    [JsonPropertyName("nodeSelector")]
    public IDictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints the pods tolerate.</summary>
    [JsonPropertyName("tolerations")]
    public IList<V1Toleration>? Tolerations { get; set; }

    /// <summary>Node and pod (anti-)affinity of the pods.</summary>
    [JsonPropertyName("affinity")]
    public V1Affinity? Affinity { get; set; }

    /// <summary>How the pods spread across topology domains (nodes, zones).</summary>
    [JsonPropertyName("topologySpreadConstraints")]
    public IList<V1TopologySpreadConstraint>? TopologySpreadConstraints { get; set; }

    /// <summary>The pods' PriorityClass.</summary>
    [JsonPropertyName("priorityClassName")]
    public string? PriorityClassName { get; set; }

    /// <summary>
    /// What the kubelet does when a copy's application ends (<see cref="PodRestartPolicy"/>): Always (and OnFailure after
    /// a failure) restarts the container and the operator restores the Checkpoint into it again; Never leaves it ended,
    /// and the set replaces the copy with a fresh one.
    /// </summary>
    [JsonPropertyName("restartPolicy")]
    [ApiEnum(typeof(PodRestartPolicy))]
    public string? RestartPolicy { get; set; }
}
