using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Reconciling;

namespace Cryo.Operator.Restores;

/// <summary>
/// The Checkpoint a Restore (or a RestoreSet's copies) restores: in the same namespace, Succeeded, and for new pods, with
/// the pod spec to build them from.
/// </summary>
public static class RestorableCheckpoint
{
    /// <summary>The Checkpoint <paramref name="restore"/> names, or why it cannot be restored (yet).</summary>
    public static Task<Found<Checkpoint>> ReadAsync(CustomResourceClient<Checkpoint, CheckpointList> checkpoints, Restore restore, CancellationToken cancellationToken) =>
        ReadAsync(checkpoints, restore.Metadata.NamespaceProperty, restore.Spec.CheckpointName, buildsPods: restore.Spec.NewPod is not null, cancellationToken);

    /// <summary>Checkpoint <paramref name="ns"/>/<paramref name="name"/>, or why it cannot be restored (yet); <paramref name="buildsPods"/> when a pod is built from it.</summary>
    public static async Task<Found<Checkpoint>> ReadAsync(
        CustomResourceClient<Checkpoint, CheckpointList> checkpoints, string ns, string name, bool buildsPods, CancellationToken cancellationToken)
    {
        var checkpoint = await checkpoints.GetAsync(ns, name, cancellationToken);
        return checkpoint?.Status?.Phase switch
        {
            null when checkpoint is null => new Failure(ConditionReasons.CheckpointNotFound, $"Checkpoint {ns}/{name} does not exist"),
            Phase.Succeeded when checkpoint.Status.PodSpec is null && buildsPods =>
                new Failure(ConditionReasons.PodSpecMissing, $"Checkpoint {ns}/{name} recorded no pod spec to build a pod from"),
            Phase.Succeeded => checkpoint,
            Phase.Failed => new Failure(ConditionReasons.CheckpointNotSucceeded, $"Checkpoint {ns}/{name} failed: {checkpoint.Status.Message}"),
            _ => new Failure(ConditionReasons.CheckpointNotSucceeded, $"Checkpoint {ns}/{name} has not succeeded yet", Terminal: false),
        };
    }
}
