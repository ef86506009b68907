using Cryo.Api;
using k8s;

namespace Cryo.Operator.KubernetesApi;

/// <summary>Clients of what the reconcilers read and write, built once over the shared Kubernetes client.</summary>
public sealed class CryoResources(IKubernetes client)
{
    /// <summary>Checkpoints.</summary>
    public CustomResourceClient<Checkpoint, CheckpointList> Checkpoints { get; } = new(client, Checkpoint.Plural);

    /// <summary>Restores.</summary>
    public CustomResourceClient<Restore, RestoreList> Restores { get; } = new(client, Restore.Plural);

    /// <summary>RestoreSets.</summary>
    public CustomResourceClient<RestoreSet, RestoreSetList> RestoreSets { get; } = new(client, RestoreSet.Plural);

    /// <summary>Pods: the ones checkpointed, the targets of Restores, and the pods of RestoreSets.</summary>
    public PodClient Pods { get; } = new(client);
}
