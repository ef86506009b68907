using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Reconciling;

namespace Cryo.Operator.Restores;

/// <summary>The Checkpoint a Restore restores: in the Restore's namespace, Succeeded, and for a new pod, with the pod spec to build it from.</summary>
public static class RestorableCheckpoint
{
    /// <summary>The Checkpoint <paramref name="restore"/> names, or why it cannot be restored (yet).</summary>
    public static async Task<Found<Checkpoint>> ReadAsync(CustomResourceClient<Checkpoint, CheckpointList> checkpoints, Restore restore, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.NamespaceProperty;
        var name = restore.Spec.CheckpointName;
        var checkpoint = await checkpoints.GetAsync(ns, name, cancellationToken);
        return checkpoint?.Status?.Phase switch
        {
            null when checkpoint is null => new Failure(ConditionReasons.CheckpointNotFound, $"Checkpoint {ns}/{name} does not exist"),
            Phase.Succeeded when checkpoint.Status.PodSpec is null && restore.Spec.NewPod is not null =>
                new Failure(ConditionReasons.PodSpecMissing, $"Checkpoint {ns}/{name} recorded no pod spec to build a pod from"),
            Phase.Succeeded => checkpoint,
            Phase.Failed => new Failure(ConditionReasons.CheckpointNotSucceeded, $"Checkpoint {ns}/{name} failed: {checkpoint.Status.Message}"),
            _ => new Failure(ConditionReasons.CheckpointNotSucceeded, $"Checkpoint {ns}/{name} has not succeeded yet", Terminal: false),
        };
    }
}
