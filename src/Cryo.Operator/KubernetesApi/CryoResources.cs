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

    /// <summary>RestoreSets.</summary>
    public CustomResourceClient<RestoreSet, RestoreSetList> RestoreSets { get; } = new(client, RestoreSet.Plural);

    /// <summary>Migrations.</summary>
    public CustomResourceClient<Migration, MigrationList> Migrations { get; } = new(client, Migration.Plural);

    /// <summary>Pods: the ones checkpointed, the targets of Restores, the pods of RestoreSets, and those schedules and evictions checkpoint.</summary>
    public PodClient Pods { get; } = new(client);
}
