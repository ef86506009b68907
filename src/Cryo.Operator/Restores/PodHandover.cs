using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Reconciling;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Cryo.Operator.Restores;

/// <summary>
/// Hands a placeholder pod made in advance to the Restore that restores into it: a RestoreSet's warm pod to a copy's
/// Restore, a Migration's target pod to the Migration's Restore. The Restore becomes the pod's controller, so the pod
/// goes with the Restore and the Restore follows it as its own, and the pod is labelled with the Restore and its
/// Checkpoint.
/// </summary>
public static class PodHandover
{
    /// <summary>Returns the pod as stored, or null when it is gone or was replaced under its name (its UID is a precondition).</summary>
    public static async Task<V1Pod?> ToRestoreAsync(PodClient pods, Restore restore, V1Pod pod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var patch = new
        {
            metadata = new
            {
                uid = pod.Metadata.Uid,
                ownerReferences = new[] { Ownership.ControllerReference(restore) },
                labels = new Dictionary<string, string>
                {
                    [CryoNames.RestoreLabel] = restore.Metadata.Name,
                    [CryoNames.CheckpointLabel] = restore.Spec.CheckpointName,
                },
            },
        };
        try
        {
            return await pods.PatchAsync(pod, new V1Patch(KubernetesJson.Serialize(patch), V1Patch.PatchType.MergePatch), cancellationToken);
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e))
        {
            return null;
        }
    }
}
