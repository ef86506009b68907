using k8s;
using k8s.Models;

namespace Cryo.Operator.RestoreSets;

/// <summary>The pod a RestoreSet builds for a copy or its warm pool, as its spec and Checkpoint say now.</summary>
/// <param name="Pod">The pod, without a name: owned by the set, labelled with the set and <paramref name="Hash"/>.</param>
/// <param name="Hash">What the pod is built from, hashed: a pod labelled with another hash was built for an older template.</param>
/// <param name="ContainerName">The container that runs the placeholder and receives the restored processes.</param>
/// <param name="CheckpointName">The Checkpoint new copies restore.</param>
public sealed record CopyTemplate(V1Pod Pod, string Hash, string ContainerName, string CheckpointName)
{
    /// <summary>A new pod of this template named <paramref name="name"/>.</summary>
    public V1Pod NewPod(string name)
    {
        var pod = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(Pod));
        pod.Metadata.Name = name;
        return pod;
    }
}
