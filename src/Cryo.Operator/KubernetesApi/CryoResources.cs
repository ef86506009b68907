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

    /// <summary>CheckpointSchedules.</summary>
    public CustomResourceClient<CheckpointSchedule, CheckpointScheduleList> Schedules { get; } = new(client, CheckpointSchedule.Plural);

    /// <summary>Pods: the ones checkpointed, and the targets of Restores.</summary>
    public PodClient Pods { get; } = new(client);
}
