using System.Diagnostics;
using Cryo.Api;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using k8s.Models;
using Microsoft.Extensions.Options;
using ApiRestore = Cryo.Api.Restore;

namespace Cryo.Operator.Restores;

/// <summary>
/// What a Restore does once it restored: it follows its target. A newPod target's container is restored into again
/// whenever the kubelet restarts it (the new run is a bare placeholder), with backoff and a bound on failures in a row,
/// until the pod or container ends for good. An existingPod target is restored into once; if its pod declares the
/// readiness gate, its restored condition turns False when the container runs again with nothing restored into it.
/// An existingPod whose controller is the Restore itself (a RestoreSet hands its placeholder pods to its Restores that
/// way) is the Restore's as a newPod's is, and is followed like one.
/// </summary>
public sealed class RestoreFollower(
    CryoResources resources,
    RestoreDispatcher dispatcher,
    RestoreRecorder recorder,
    RestoreTransfer transfer,
    EventRecorder events,
    IOptions<OperatorOptions> options,
    TimeProvider clock)
{
    private readonly OperatorOptions settings = options.Value;

    /// <summary>One pass over <paramref name="restore"/>, which restored at least once and recorded it in <paramref name="restored"/>.</summary>
    public Task<ReconcileResult> FollowAsync(ApiRestore restore, RestoreStatus restored, CancellationToken cancellationToken) =>
        // existingPod: the container is the user's, not the Restore's; restoring into it again unasked could
        // compete with another Restore into the same pod. One restore, as asked, unless the pod was handed over to
        // the Restore (its controller is the Restore): then it is the Restore's own.
        restore.Spec.ExistingPod is { } existing
            ? FollowExistingPodAsync(restore, existing, restored, cancellationToken)
            : FollowNewPodAsync(restore, restored, cancellationToken);

    /// <summary>
    /// After a restore into a newPod target: restores again into a restarted container's fresh placeholder,
    /// says so when the container ended for good, and otherwise has nothing to do.
    /// </summary>
    private async Task<ReconcileResult> FollowNewPodAsync(ApiRestore restore, RestoreStatus restored, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.NamespaceProperty;
        var name = restored.PodName ?? PlaceholderPodBuilder.PodName(restore);
        var pod = await resources.Pods.GetAsync(ns, name, cancellationToken);
        if (pod is null || pod.Metadata.DeletionTimestamp is not null || pod.Metadata.OwnerReferences?.Any(o => o.Uid == restore.Metadata.Uid) != true)
        {
            return await TargetEndedAsync(restore, new Failure(ConditionReasons.PodNotFound,
                $"pod {ns}/{name} is gone (deleted, or replaced by a pod this Restore did not create); the Restore does not create it again"), null, cancellationToken);
        }

        return await FollowOwnPodAsync(restore, restored, pod, containerName: null, cancellationToken);
    }

    /// <summary>
    /// The Restore's own pod (its newPod, or an existingPod it controls) is there: restores again into a restarted
    /// container's fresh placeholder, says so when the container ended for good, and otherwise has nothing to do.
    /// </summary>
    private async Task<ReconcileResult> FollowOwnPodAsync(ApiRestore restore, RestoreStatus restored, V1Pod pod, string? containerName, CancellationToken cancellationToken)
    {
        containerName ??= pod.Metadata.Annotations?.TryGetValue(CryoNames.PlaceholderContainerAnnotation, out var annotated) == true
            ? annotated
            : pod.Spec.Containers[0].Name;
        var observed = RestartObservation.Of(pod, containerName, restored);
        return observed switch
        {
            { State: RestoredContainerState.Ended } => await TargetEndedAsync(restore, new Failure(ConditionReasons.ContainerEnded, observed.Message), pod, cancellationToken),
            { State: RestoredContainerState.Restarted, Container: { } restarted } =>
                await RestoreAgainAsync(restore, new RunningContainer(pod, containerName, restarted.ContainerID), observed.Message, cancellationToken),
            _ => ReconcileResult.Done,
        };
    }

    /// <summary>
    /// The kubelet restarted the container: the pod stops being Ready before anything else (its new run is a bare
    /// placeholder), then the Checkpoint, which must still be there, is restored into the new run; pulled to the node
    /// first when its agent no longer holds it (<see cref="RestoreTransfer"/>).
    /// </summary>
    private async Task<ReconcileResult> RestoreAgainAsync(ApiRestore restore, RunningContainer target, string restarted, CancellationToken cancellationToken)
    {
        // Only the Restored True is stale; a False already says why this run holds nothing (a failed attempt, say).
        var pod = RestoredCondition.On(target.Pod)?.Status == ConditionStatus.True
            ? await recorder.MarkPodAsync(target.Pod, RestoredCondition.NotRestored(ConditionReasons.ContainerRestarted,
                $"{restarted}; it runs a bare placeholder until the Checkpoint is restored into it again"), cancellationToken)
            : target.Pod;
        var checkpoint = await RestorableCheckpoint.ReadAsync(resources.Checkpoints, restore, cancellationToken);
        if (checkpoint.Failure is { Terminal: true } gone)
        {
            var failed = gone with { Message = $"{gone.Message}: cannot restore into the restarted container. {RestoreRecorder.PodFate(restore, pod)}" };
            return await recorder.NotRestoredAsync(restore, pod, ConditionReasons.RerestoreFailed, failed, ConditionTypes.CheckpointReady, cancellationToken);
        }

        if (checkpoint.Failure is { } notYet)
        {
            return await recorder.NotReadyAsync(restore, notYet, ConditionTypes.CheckpointReady, pod, cancellationToken);
        }

        // The node's agent may have lost its copy since the first restore (a per-node store emptied, a pulled copy
        // removed): it pulls it again from the Checkpoint's node, as the first restore did, and the passes that follow
        // the pull restore nothing until it ended.
        if (transfer.Find(checkpoint.Value, target) is { } pull)
        {
            return await transfer.FollowAsync(restore, checkpoint.Value, pull, pod, cancellationToken);
        }

        var outcome = await dispatcher.RestoreAsync(restore, target, again: true, cancellationToken);
        if (RestoreTransfer.CanPull(outcome, checkpoint.Value, target))
        {
            return await transfer.StartAsync(restore, checkpoint.Value, target, pod, cancellationToken);
        }

        return outcome switch
        {
            RestoreAnswer.Restored answer => await recorder.RestoredAsync(restore, target, pod, answer.Response, again: true, cancellationToken),
            RestoreAnswer.Unreachable answer => await RestoreAgainFailedAsync(restore, target, pod, answer.Message, answer.Reason, maySucceedLater: true, cancellationToken),
            RestoreAnswer.RunOver answer => await recorder.NotRestoredAsync(restore, pod, answer.Failure.Reason, answer.Failure, ConditionTypes.PodReady, cancellationToken),
            RestoreAnswer.Refused answer => await RestoreAgainFailedAsync(restore, target, pod, answer.Error.Message, agentReason: null, answer.Error.MaySucceedLater, cancellationToken),
            _ => throw new UnreachableException(),
        };
    }

    /// <summary>
    /// A restore into the restarted container failed. A failure that may pass (<paramref name="maySucceedLater"/>:
    /// the agent was unreachable, timed out or ran out of space) is retried with backoff, phase Running and Ready
    /// False meanwhile (the kubelet also restarts the placeholder when it gives up waiting), until
    /// <see cref="OperatorOptions.RerestoreMaxAttempts"/> attempts in a row have failed. Any other answer of the
    /// agent would be given again on every attempt: the Restore Fails at once.
    /// </summary>
    private async Task<ReconcileResult> RestoreAgainFailedAsync(
        ApiRestore restore, RunningContainer target, V1Pod pod, string message, string? agentReason, bool maySucceedLater, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var status = recorder.StatusFor(restore, target.Pod);
        var attempts = status.RerestoreFailures = (status.RerestoreFailures ?? 0) + 1;
        var what = $"restoring Checkpoint {restore.Spec.CheckpointName} again into restarted container {target.ContainerName} of pod {target.Pod.Metadata.Name}";
        var retry = maySucceedLater && attempts < settings.RerestoreMaxAttempts;
        var reason = maySucceedLater && !retry ? ConditionReasons.RerestoreAttemptsExhausted : ConditionReasons.RerestoreFailed;
        status.Message = !maySucceedLater ? $"{what} failed, and retrying cannot help. {RestoreRecorder.PodFate(restore, pod)} The agent answered: {message}"
            : retry ? $"{what} failed (attempt {attempts} of at most {settings.RerestoreMaxAttempts}); retrying with backoff: {message}"
            : $"{what} failed {attempts} times in a row (Operator__RerestoreMaxAttempts is {settings.RerestoreMaxAttempts}); giving up. {RestoreRecorder.PodFate(restore, pod)} The last answer: {message}";
        status.Phase = retry ? Phase.Running : Phase.Failed;
        if (!retry)
        {
            status.CompletionTime = now;
        }

        if (agentReason is not null)
        {
            status.SetCondition(ConditionTypes.AgentReachable, ConditionStatus.False, agentReason, message, now);
        }
        else
        {
            status.SetCondition(ConditionTypes.AgentReachable, ConditionStatus.True, ConditionReasons.AgentAnswered, $"the agent on node {target.NodeName} answered", now);
        }

        status.SetCondition(ConditionTypes.PodReady, ConditionStatus.True, ConditionReasons.PlaceholderRunning, $"container {target.ContainerName} runs the placeholder again", now);
        status.SetCondition(ConditionTypes.Ready, ConditionStatus.False, reason, status.Message, now);
        await recorder.MarkPodAsync(pod, RestoredCondition.NotRestored(reason, status.Message), cancellationToken);
        if (await recorder.WriteAsync(restore, status, cancellationToken))
        {
            await events.WarningAsync(restore, reason, status.Message, cancellationToken);
        }

        return retry ? ReconcileResult.Retry : ReconcileResult.Done;
    }

    /// <summary>
    /// The restored pod or container ended for good: PodReady says so (written once, not on every resync), and so does
    /// the pod's restored condition while the pod is there.
    /// A Restore still retrying a restore into the restarted container cannot succeed any more: it Fails.
    /// </summary>
    private async Task<ReconcileResult> TargetEndedAsync(ApiRestore restore, Failure ended, V1Pod? pod, CancellationToken cancellationToken)
    {
        if (pod is not null)
        {
            await recorder.MarkPodAsync(pod, RestoredCondition.NotRestored(ended.Reason, ended.Message), cancellationToken);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var status = recorder.StatusFor(restore, null);
        status.SetCondition(ConditionTypes.PodReady, ConditionStatus.False, ended.Reason, ended.Message, now);
        if (status.Phase != Phase.Succeeded)
        {
            status.Phase = Phase.Failed;
            status.CompletionTime = now;
            status.Message = $"{ended.Message}; the restore into the restarted container never succeeded";
            status.SetCondition(ConditionTypes.Ready, ConditionStatus.False, ended.Reason, status.Message, now);
        }

        // A status that says this already was written by an earlier pass, which also recorded the Event.
        if (await recorder.WriteAsync(restore, status, cancellationToken))
        {
            await events.NormalAsync(restore, ended.Reason, ended.Message, cancellationToken);
        }

        return ReconcileResult.Done;
    }

    /// <summary>
    /// After a restore into an existingPod target that is not the Restore's own: the Restore restores once, but a pod that declares the readiness
    /// gate must not stay Ready once its container restarted into a run that holds nothing (or the pod was replaced).
    /// Its condition turns False (ContainerRestarted), unless another Restore restored into the current run or is
    /// restoring into the pod: that one's condition is not this Restore's to overwrite.
    /// </summary>
    private async Task<ReconcileResult> FollowExistingPodAsync(ApiRestore restore, ExistingPodTarget existing, RestoreStatus restored, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.NamespaceProperty;
        var pod = await resources.Pods.GetAsync(ns, existing.Name, cancellationToken);
        if (pod is not null && pod.Metadata.DeletionTimestamp is null && Ownership.IsControlledBy(pod.Metadata, restore))
        {
            return await FollowOwnPodAsync(restore, restored, pod, existing.ContainerName, cancellationToken);
        }

        if (pod is null || !RestoredCondition.IsGateOf(pod) || RestoredCondition.On(pod)?.Status != ConditionStatus.True)
        {
            return ReconcileResult.Done;
        }

        var containerName = existing.ContainerName ?? pod.Spec.Containers[0].Name;
        var container = pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == containerName);
        if (container is null || !RunChanged(restored, container) || await AnotherRestoreHoldsAsync(restore, pod, container, cancellationToken))
        {
            return ReconcileResult.Done;
        }

        var message = $"container {containerName} of pod {ns}/{pod.Metadata.Name} runs again (restart {container.RestartCount}) since Restore {restore.Metadata.Name} " +
                      "restored into it; a Restore into an existing pod restores once: create another Restore to restore into the new run";
        await recorder.MarkPodAsync(pod, RestoredCondition.NotRestored(ConditionReasons.ContainerRestarted, message), cancellationToken);
        await events.NormalAsync(restore, ConditionReasons.ContainerRestarted, message, cancellationToken);
        return ReconcileResult.Done;
    }

    /// <summary>Whether the container now runs another run than the one restored into (it restarted, or the pod was replaced).</summary>
    private static bool RunChanged(RestoreStatus restored, V1ContainerStatus container) =>
        (restored.ContainerRestartCount is { } restoredInto && container.RestartCount > restoredInto) ||
        (!string.IsNullOrEmpty(container.ContainerID) && restored.ContainerId is not null && container.ContainerID != restored.ContainerId);

    /// <summary>
    /// Whether another Restore into <paramref name="pod"/> is under way or restored into its current run. One without a
    /// phase yet is under way too: its first pass marks the pod Restored before it writes any status (a pass writes
    /// status once, at its end), and the pod's change wakes this Restore in between.
    /// </summary>
    private async Task<bool> AnotherRestoreHoldsAsync(ApiRestore restore, V1Pod pod, V1ContainerStatus container, CancellationToken cancellationToken)
    {
        var others = await resources.Restores.ListAsync(restore.Metadata.NamespaceProperty, cancellationToken);
        return others.Items.Any(other => other.Metadata.Uid != restore.Metadata.Uid && other.Spec.ExistingPod?.Name == pod.Metadata.Name &&
                                         (other.Status?.Phase is null or Phase.Running ||
                                          (other.Status?.Phase is Phase.Succeeded && other.Status.ContainerId == container.ContainerID)));
    }
}
