using Cryo.Api;
using Cryo.Operator.Reconciling;
using Cryo.Operator.Restores;
using k8s.Models;

namespace Cryo.Operator.RestoreSets;

/// <summary>One copy of a RestoreSet: a Restore of the set and the pod of the same name it restores into.</summary>
/// <param name="Restore">The copy's Restore.</param>
/// <param name="Pod">Its pod (the set's until handed over, then the Restore's); null when it is gone.</param>
/// <param name="State">How the copy stands.</param>
/// <param name="Why">Why it failed or ended, in words (empty for a counted copy).</param>
public sealed record Copy(Restore Restore, V1Pod? Pod, CopyState State, string Why)
{
    /// <summary>The copy's name, its Restore's and its pod's.</summary>
    public string Name => Restore.Metadata.Name;

    /// <summary>Counted among the set's replicas.</summary>
    public bool IsLive => State is CopyState.Restoring or CopyState.Ready;

    /// <summary>The pod's controller is the Restore already (the hand-over is done).</summary>
    public bool IsHandedOver => Pod is not null && Ownership.IsControlledBy(Pod.Metadata, Restore);

    /// <summary>The hash of the template the copy's pod was built from.</summary>
    public string? TemplateHash => Restore.Metadata.Labels?.TryGetValue(CryoNames.TemplateHashLabel, out var hash) == true ? hash : null;

    /// <summary>How <paramref name="restore"/> and its pod <paramref name="pod"/> (null when gone) stand.</summary>
    public static Copy Of(Restore restore, V1Pod? pod)
    {
        var podName = restore.Spec.ExistingPod?.Name ?? restore.Metadata.Name;
        if (restore.Status?.Phase == Phase.Failed)
        {
            return new(restore, pod, CopyState.Failed, restore.Status.Message ?? "its Restore failed");
        }

        if (Conditions.Find(restore.Status?.Conditions, ConditionTypes.PodReady) is
            { Status: ConditionStatus.False, Reason: ConditionReasons.ContainerEnded or ConditionReasons.PodNotFound } ended)
        {
            return new(restore, pod, CopyState.Ended, ended.Message);
        }

        if (pod is null)
        {
            return new(restore, null, CopyState.Ended, $"pod {podName} is gone");
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            return new(restore, pod, CopyState.Ended, $"pod {podName} is being deleted");
        }

        if (pod.Status?.Phase is "Succeeded" or "Failed")
        {
            return new(restore, pod, CopyState.Ended, $"pod {podName} ended ({pod.Status.Phase})");
        }

        return new(restore, pod, IsReady(pod) ? CopyState.Ready : CopyState.Restoring, "");
    }

    /// <summary>Ready as Kubernetes counts it, on a run the Checkpoint was restored into (the readiness gate's condition True).</summary>
    private static bool IsReady(V1Pod pod) =>
        pod.Status?.Conditions?.Any(c => c is { Type: "Ready", Status: ConditionStatus.True }) == true &&
        RestoredCondition.On(pod)?.Status == ConditionStatus.True;
}
