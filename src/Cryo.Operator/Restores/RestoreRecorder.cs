using Cryo.Api;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ApiRestore = Cryo.Api.Restore;

namespace Cryo.Operator.Restores;

/// <summary>
/// Records what became of a Restore, for the first restore and the ones after restarts alike: on the Restore (its
/// status, written once per pass, and its Events) and on the target pod (its <see cref="CryoNames.RestoredCondition"/>
/// condition, written before the Restore's status, so the pod is never Ready on a run that holds nothing).
/// </summary>
public sealed class RestoreRecorder(
    CryoResources resources,
    EventRecorder events,
    IOptions<OperatorOptions> options,
    TimeProvider clock,
    ILogger<RestoreRecorder> logger)
{
    private readonly OperatorOptions settings = options.Value;

    /// <summary>
    /// The status a pass builds (<see cref="StatusWriter.Draft{TStatus}"/>), started now unless it started before,
    /// naming <paramref name="pod"/> when the pass knows the target pod.
    /// </summary>
    public RestoreStatus StatusFor(ApiRestore restore, V1Pod? pod)
    {
        var status = StatusWriter.Draft(restore, restore.Status);
        if (status.Phase == Phase.Succeeded)
        {
            status.RestoreCount ??= 1; // written before restoreCount existed
        }

        status.StartTime ??= Now();
        if (pod is not null)
        {
            status.PodName = pod.Metadata.Name;
            status.NodeName = pod.Spec.NodeName ?? status.NodeName;
        }

        return status;
    }

    /// <summary>Writes <paramref name="status"/>; true when it was written (not when the Restore is gone or showed it already).</summary>
    public async Task<bool> WriteAsync(ApiRestore restore, RestoreStatus status, CancellationToken cancellationToken) =>
        await StatusWriter.WriteAsync(resources.Restores, restore, status, logger, cancellationToken) is not null;

    /// <summary>
    /// Sets <paramref name="pod"/>'s <see cref="CryoNames.RestoredCondition"/> condition through pods/status when the pod
    /// declares its readiness gate and shows something else. Returns the pod as stored, or as given when nothing
    /// was written (no gate, no change, or the pod is gone: nothing left to keep from being Ready).
    /// </summary>
    public async Task<V1Pod> MarkPodAsync(V1Pod pod, RestoredCondition condition, CancellationToken cancellationToken)
    {
        if (!RestoredCondition.IsGateOf(pod) || condition.IsShownBy(pod))
        {
            return pod;
        }

        return await resources.Pods.PatchStatusAsync(pod, condition.PatchFor(pod, Now()), cancellationToken) ?? pod;
    }

    /// <summary>What becomes of the target pod when the Restore fails, for status, Events and the pod's condition.</summary>
    public static string PodFate(ApiRestore restore, V1Pod pod)
    {
        var notReady = RestoredCondition.IsGateOf(pod) ? $" but not Ready: its readiness gate {CryoNames.RestoredCondition} is False" : "";
        return restore.Spec.NewPod is not null || Ownership.IsControlledBy(pod.Metadata, restore)
            ? $"Pod {pod.Metadata.Name} is kept for kubectl logs and describe{notReady}; deleting Restore {restore.Metadata.Name} deletes it."
            : $"Pod {pod.Metadata.Name} is not this Restore's and is left as it is{notReady}.";
    }

    /// <summary>
    /// Something is not there yet (wait, requeue) or never will be (Failed). Sets the condition of
    /// <paramref name="conditionType"/> and Ready accordingly.
    /// </summary>
    public async Task<ReconcileResult> NotReadyAsync(ApiRestore restore, Failure failure, string conditionType, V1Pod? pod, CancellationToken cancellationToken)
    {
        var now = Now();
        var status = StatusFor(restore, pod);
        status.Message = failure.Message;
        if (conditionType != ConditionTypes.CheckpointReady)
        {
            status.SetCondition(ConditionTypes.CheckpointReady, ConditionStatus.True, ConditionReasons.CheckpointSucceeded,
                $"Checkpoint {restore.Spec.CheckpointName} has succeeded", now);
        }

        if (conditionType != ConditionTypes.Ready)
        {
            status.SetCondition(conditionType, ConditionStatus.False, failure.Reason, failure.Message, now);
        }

        if (failure.Terminal)
        {
            status.Phase = Phase.Failed;
            status.CompletionTime = now;
            status.SetCondition(ConditionTypes.Ready, ConditionStatus.False, failure.Reason, failure.Message, now);
        }
        else
        {
            status.Phase = pod is null ? Phase.Pending : Phase.Running;
            status.SetCondition(ConditionTypes.Ready, ConditionStatus.Unknown, failure.Reason, failure.Message, now);
        }

        if (await WriteAsync(restore, status, cancellationToken) && failure.Terminal)
        {
            await events.WarningAsync(restore, ConditionReasons.RestoreFailed, $"{failure.Reason}: {failure.Message}", cancellationToken);
        }

        return failure.Terminal ? ReconcileResult.Done
            : failure.Reason == ConditionReasons.WaitingForPlaceholder ? ReconcileResult.After(settings.PlaceholderRecheckInterval)
            : ReconcileResult.Retry;
    }

    /// <summary>
    /// The current run of <paramref name="pod"/> holds no restored application, for <paramref name="podReason"/>: its restored
    /// condition turns False first, then <see cref="NotReadyAsync"/>.
    /// </summary>
    public async Task<ReconcileResult> NotRestoredAsync(
        ApiRestore restore, V1Pod pod, string podReason, Failure failure, string conditionType, CancellationToken cancellationToken)
    {
        var marked = await MarkPodAsync(pod, RestoredCondition.NotRestored(podReason, failure.Message), cancellationToken);
        return await NotReadyAsync(restore, failure, conditionType, marked, cancellationToken);
    }

    /// <summary>
    /// The agent restored into the current run of <paramref name="target"/> (<paramref name="again"/>: after a restart). The
    /// pod's restored condition turns True before the status says Succeeded: should the status write fail, the pass is
    /// retried, and the agent answers the repeated operation ID with this same result.
    /// </summary>
    public async Task<ReconcileResult> RestoredAsync(
        ApiRestore restore, RunningContainer target, V1Pod pod, RestoreResponse response, bool again, CancellationToken cancellationToken)
    {
        var now = Now();
        var status = StatusFor(restore, target.Pod);
        var previousExit = target.Status?.LastState?.Terminated;
        status.Phase = Phase.Succeeded;
        status.RestoreCount = again ? (status.RestoreCount ?? 1) + 1 : 1;
        status.ContainerRestartCount = target.RestartCount;
        status.RerestoreFailures = null;
        status.LastRestoreTime = now;
        status.NodeName = string.IsNullOrEmpty(response.NodeName) ? target.NodeName : response.NodeName;
        status.ContainerId = target.ContainerId;
        status.Pids = new RestoredPids { Host = response.HostPid, InNamespace = response.NamespacePid };
        status.Timings = new Cryo.Api.RestoreTimings
        {
            VerifyMilliseconds = response.Timings?.VerifyMs,
            RestoreMilliseconds = response.Timings?.RestoreMs,
            TotalMilliseconds = response.Timings?.TotalMs,
            TargetMilliseconds = response.Timings?.TargetMs,
            FilesMilliseconds = response.Timings?.FilesMs,
            FilesWaitMilliseconds = response.Timings?.FilesWaitMs,
            PrepareMilliseconds = response.Timings?.PrepareMs,
            VerifyWaitMilliseconds = response.Timings?.VerifyWaitMs,
            HandoffMilliseconds = response.Timings?.HandoffMs,
        };
        status.CompletionTime = again ? status.CompletionTime ?? now : now;
        status.Lazy = response.Lazy ? true : null;
        status.LazyFallbackReason = string.IsNullOrEmpty(response.LazyFallbackReason) ? null : response.LazyFallbackReason;
        var pids = $"host PID {response.HostPid}, PID {response.NamespacePid} inside";
        status.Message = again
            ? $"restored again (restore {status.RestoreCount}) into container {target.ContainerName} of pod {target.Pod.Metadata.Name} on node {status.NodeName}: " +
              $"it restarted (restart {status.ContainerRestartCount}) after the application {(previousExit is null ? "ended" : RestartObservation.Describe(previousExit))} ({pids})"
            : $"restored into container {target.ContainerName} of pod {target.Pod.Metadata.Name} on node {status.NodeName} ({pids})";
        var reason = again ? ConditionReasons.Rerestored : ConditionReasons.RestoreSucceeded;
        status.SetCondition(ConditionTypes.PodReady, ConditionStatus.True, ConditionReasons.PlaceholderRunning, $"container {target.ContainerName} runs", now);
        status.SetCondition(ConditionTypes.AgentReachable, ConditionStatus.True, ConditionReasons.AgentAnswered, $"the agent on node {status.NodeName} answered", now);
        status.SetCondition(ConditionTypes.Ready, ConditionStatus.True, reason, status.Message, now);

        await MarkPodAsync(pod, RestoredCondition.Restored(again
            ? $"Checkpoint {restore.Spec.CheckpointName} restored again into container {target.ContainerName} after its restart {status.ContainerRestartCount}"
            : $"Checkpoint {restore.Spec.CheckpointName} restored into container {target.ContainerName}"), cancellationToken);
        if (await WriteAsync(restore, status, cancellationToken))
        {
            await events.NormalAsync(restore, reason, status.Message, cancellationToken);
            if (status.LazyFallbackReason is { } fallback)
            {
                await events.WarningAsync(restore, ConditionReasons.LazyRestoreUnavailable, fallback, cancellationToken);
            }
        }

        return ReconcileResult.Done;
    }

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;
}
