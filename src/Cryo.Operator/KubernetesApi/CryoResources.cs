using Cryo.Api;
using k8s;

namespace Cryo.Operator.KubernetesApi;

/// <summary>Clients of the two custom resources, built once over the shared Kubernetes client.</summary>
public sealed class CryoResources(IKubernetes client)
{
    /// <summary>Checkpoints.</summary>
    public CustomResourceClient<Checkpoint, CheckpointList> Checkpoints { get; } = new(client, Checkpoint.Plural);

    /// <summary>Restores.</summary>
    public CustomResourceClient<Restore, RestoreList> Restores { get; } = new(client, Restore.Plural);
}
