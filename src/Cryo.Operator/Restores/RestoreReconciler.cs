using Cryo.Api;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Agents;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ApiRestore = Cryo.Api.Restore;

namespace Cryo.Operator.Restores;

/// <summary>
/// Drives a Restore: the Checkpoint must be Succeeded; the target pod is created (newPod, from the
/// checkpointed spec with the placeholder) or read (existingPod); once its container runs, the node's agent
/// restores into it, with the Restore's UID as operation ID. Each pass writes status at most once. The pod
/// a Restore created carries an owner reference, so deleting the Restore deletes it.
/// After that, a newPod target is followed: when the restored application ends and the kubelet restarts
/// the container, the new run is a bare placeholder, and the checkpoint is restored into it again (one agent
/// operation per run, see <see cref="RestoreOperationId"/>). An existingPod target is restored into once.
/// </summary>
public sealed class RestoreReconciler(
    CryoResources resources,
    IKubernetes client,
    IAgentLocator locator,
    IAgentClient agents,
    EventRecorder events,
    IOptions<OperatorOptions> options,
    TimeProvider clock,
    ILogger<RestoreReconciler> logger) : IReconciler
{
    private readonly CustomResourceClient<ApiRestore, RestoreList> restores = resources.Restores;
    private readonly OperatorOptions settings = options.Value;

    /// <inheritdoc/>
    public string Kind => ApiRestore.KindName;

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var restore = await restores.GetAsync(key.Namespace, key.Name, cancellationToken);
        if (restore is null || restore.Metadata.DeletionTimestamp is not null || restore.Status?.Phase is Phase.Failed)
        {
            return ReconcileResult.Done; // the pod it created goes with it through its owner reference
        }

        if (HasRestored(restore))
        {
            // existingPod: the container is the user's, not the Restore's; restoring into it again unasked could
            // compete with another Restore into the same pod. One restore, as asked.
            return restore.Spec.NewPod is null ? ReconcileResult.Done : await FollowRestartsAsync(restore, cancellationToken);
        }

        var (checkpoint, checkpointProblem) = await ReadCheckpointAsync(restore, cancellationToken);
        if (checkpointProblem is not null)
        {
            return await NotReadyAsync(restore, checkpointProblem, ConditionTypes.CheckpointReady, cancellationToken);
        }

        var (pod, podProblem) = restore.Spec.NewPod is not null
            ? await EnsurePodAsync(restore, checkpoint!, cancellationToken)
            : await ReadExistingPodAsync(restore, cancellationToken);
        if (podProblem is not null)
        {
            return await NotReadyAsync(restore, podProblem, ConditionTypes.PodReady, cancellationToken, pod);
        }

        var (target, containerProblem) = PlaceholderContainer(restore, checkpoint!, pod!);
        if (containerProblem is not null)
        {
            return await NotReadyAsync(restore, containerProblem, ConditionTypes.PodReady, cancellationToken, pod);
        }

        return await DispatchToAgentAsync(restore, target!, again: false, cancellationToken);
    }

    /// <summary>
    /// After a restore into a newPod target: restores again into a restarted container's fresh placeholder,
    /// says so when the container ended for good, and otherwise has nothing to do.
    /// </summary>
    private async Task<ReconcileResult> FollowRestartsAsync(ApiRestore restore, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.NamespaceProperty;
        var name = restore.Status?.PodName ?? PlaceholderPodBuilder.PodName(restore);
        var pod = await ReadPodAsync(ns, name, cancellationToken);
        if (pod is null || pod.Metadata.DeletionTimestamp is not null || pod.Metadata.OwnerReferences?.Any(o => o.Uid == restore.Metadata.Uid) != true)
        {
            return await TargetEndedAsync(restore, new Failure(ConditionReasons.PodNotFound,
                $"pod {ns}/{name} is gone (deleted, or replaced by a pod this Restore did not create); the Restore does not create it again"), cancellationToken);
        }

        var containerName = pod.Metadata.Annotations?.TryGetValue(CryoNames.PlaceholderContainerAnnotation, out var annotated) == true
            ? annotated
            : pod.Spec.Containers[0].Name;
        var observed = RestartObservation.Of(pod, containerName, restore.Status!);
        return observed.State switch
        {
            RestoredContainerState.Ended => await TargetEndedAsync(restore, new Failure(ConditionReasons.ContainerEnded, observed.Message), cancellationToken),
            RestoredContainerState.Restarted => await RestoreAgainAsync(restore, new RunningContainer(pod, containerName, observed.Container!.ContainerID), cancellationToken),
            _ => ReconcileResult.Done,
        };
    }

    /// <summary>The kubelet restarted the container: restore the Checkpoint (which must still be there) into its new run.</summary>
    private async Task<ReconcileResult> RestoreAgainAsync(ApiRestore restore, RunningContainer target, CancellationToken cancellationToken)
    {
        var (_, checkpointProblem) = await ReadCheckpointAsync(restore, cancellationToken);
        if (checkpointProblem is not null)
        {
            return await NotReadyAsync(restore, checkpointProblem, ConditionTypes.CheckpointReady, cancellationToken, target.Pod);
        }

        return await DispatchToAgentAsync(restore, target, again: true, cancellationToken);
    }

    /// <summary>
    /// The restored pod or container ended for good: PodReady says so (written once, not on every resync).
    /// A Restore still retrying a restore into the restarted container cannot succeed any more: it Fails.
    /// </summary>
    private async Task<ReconcileResult> TargetEndedAsync(ApiRestore restore, Failure ended, CancellationToken cancellationToken)
    {
        var current = Conditions.Find(restore.Status?.Conditions, ConditionTypes.PodReady);
        if (current is { Status: "False" } && current.Reason == ended.Reason && current.Message == ended.Message && restore.Status?.Phase is Phase.Succeeded or Phase.Failed)
        {
            return ReconcileResult.Done;
        }

        var status = StatusFor(restore, null);
        SetCondition(status, restore, ConditionTypes.PodReady, "False", ended.Reason, ended.Message);
        if (status.Phase != Phase.Succeeded)
        {
            status.Phase = Phase.Failed;
            status.CompletionTime = Now();
            status.Message = $"{ended.Message}; the restore into the restarted container never succeeded";
            SetCondition(status, restore, ConditionTypes.Ready, "False", ended.Reason, status.Message);
        }

        if (await StatusWriter.WriteAsync(restores, restore, status, logger, cancellationToken) is not null)
        {
            await events.NormalAsync(restore, ended.Reason, ended.Message, cancellationToken);
        }

        return ReconcileResult.Done;
    }

    /// <summary>The Checkpoint must exist in the Restore's namespace and have Succeeded.</summary>
    private async Task<(Checkpoint? Checkpoint, Failure? Failure)> ReadCheckpointAsync(ApiRestore restore, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.NamespaceProperty;
        var name = restore.Spec.CheckpointName;
        var checkpoint = await resources.Checkpoints.GetAsync(ns, name, cancellationToken);
        return checkpoint?.Status?.Phase switch
        {
            null when checkpoint is null => (null, new Failure(ConditionReasons.CheckpointNotFound, $"Checkpoint {ns}/{name} does not exist")),
            Phase.Succeeded when checkpoint.Status.PodSpec is null && restore.Spec.NewPod is not null =>
                (null, new Failure(ConditionReasons.PodSpecMissing, $"Checkpoint {ns}/{name} recorded no pod spec to build a pod from")),
            Phase.Succeeded => (checkpoint, null),
            Phase.Failed => (null, new Failure(ConditionReasons.CheckpointNotSucceeded, $"Checkpoint {ns}/{name} failed: {checkpoint.Status.Message}")),
            _ => (null, new Failure(ConditionReasons.CheckpointNotSucceeded, $"Checkpoint {ns}/{name} has not succeeded yet", Terminal: false)),
        };
    }

    /// <summary>newPod: creates the placeholder pod unless it exists; a pod of that name we do not own is an error.</summary>
    private async Task<(V1Pod? Pod, Failure? Failure)> EnsurePodAsync(ApiRestore restore, Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.NamespaceProperty;
        var name = PlaceholderPodBuilder.PodName(restore);
        var pod = await ReadPodAsync(ns, name, cancellationToken);
        if (pod is null)
        {
            var containerName = checkpoint.Spec.ContainerName ?? checkpoint.Status!.PodSpec!.Containers[0].Name;
            var built = PlaceholderPodBuilder.Build(restore, checkpoint.Status!.PodSpec!, containerName, checkpoint.Metadata.Name, settings.PlaceholderImage);
            try
            {
                pod = await client.CoreV1.CreateNamespacedPodAsync(built, ns, fieldManager: CryoNames.FieldManager, cancellationToken: cancellationToken);
                await events.NormalAsync(restore, ConditionReasons.PodCreated, $"created pod {name} with the placeholder in container {containerName}", cancellationToken);
            }
            catch (HttpOperationException e) when (ApiErrors.IsConflict(e))
            {
                pod = await ReadPodAsync(ns, name, cancellationToken); // created meanwhile; check whose it is below
            }
        }

        if (pod is null || pod.Metadata.OwnerReferences?.Any(o => o.Uid == restore.Metadata.Uid) != true)
        {
            return (pod, new Failure(ConditionReasons.PodNameTaken, $"pod {ns}/{name} exists and was not created by this Restore"));
        }

        return (pod, null);
    }

    private async Task<(V1Pod? Pod, Failure? Failure)> ReadExistingPodAsync(ApiRestore restore, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.NamespaceProperty;
        var name = restore.Spec.ExistingPod!.Name;
        var pod = await ReadPodAsync(ns, name, cancellationToken);
        return pod is null ? (null, new Failure(ConditionReasons.PodNotFound, $"pod {ns}/{name} does not exist")) : (pod, null);
    }

    /// <summary>The container receiving the restore must run (the placeholder holds its place); a finished pod cannot receive it.</summary>
    private static (RunningContainer? Target, Failure? Failure) PlaceholderContainer(ApiRestore restore, Checkpoint checkpoint, V1Pod pod)
    {
        var podRef = $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";
        if (pod.Spec.ShareProcessNamespace == true)
        {
            return (null, new Failure(ConditionReasons.SharedProcessNamespace,
                $"pod {podRef} shares one PID namespace between its containers; its pause process would adopt the restored application"));
        }

        if (pod.Status?.Phase is "Succeeded" or "Failed" || pod.Metadata.DeletionTimestamp is not null)
        {
            return (null, new Failure(ConditionReasons.PodFailed, $"pod {podRef} ended ({pod.Status?.Phase}) before the restore"));
        }

        var containerName = restore.Spec.ExistingPod is { } existing
            ? existing.ContainerName
            : (pod.Metadata.Annotations is { } annotations && annotations.TryGetValue(CryoNames.PlaceholderContainerAnnotation, out var annotated) ? annotated : null) ?? checkpoint.Spec.ContainerName;
        var (target, failure) = PodInspector.FindRunningContainer(pod, containerName);
        return failure?.Reason is ConditionReasons.PodNotRunning or ConditionReasons.ContainerNotRunning
            ? (null, new Failure(ConditionReasons.WaitingForPlaceholder, failure.Message, Terminal: false))
            : (target, failure);
    }

    /// <summary>
    /// Calls Restore on the agent of the pod's node, into the running placeholder container; <paramref name="again"/>
    /// when the container restarted after an earlier restore. The operation ID names the container's run.
    /// </summary>
    private async Task<ReconcileResult> DispatchToAgentAsync(ApiRestore restore, RunningContainer target, bool again, CancellationToken cancellationToken)
    {
        var restartCount = RestartCount(target);
        var request = new RestoreRequest
        {
            OperationId = RestoreOperationId.For(restore, restartCount),
            Checkpoint = new CheckpointRef { Namespace = restore.Metadata.NamespaceProperty, Name = restore.Spec.CheckpointName },
            Container = new Cryo.Contracts.Agent.V1.ContainerTarget { ContainerId = target.RuntimeId },
            TimeoutSeconds = (uint)settings.RestoreTimeout.TotalSeconds,
        };
        RestoreResponse response;
        try
        {
            var agent = await locator.LocateAsync(target.NodeName, cancellationToken);
            await events.NormalAsync(restore, ConditionReasons.RestoreStarted,
                $"restoring Checkpoint {restore.Spec.CheckpointName}{(again ? " again" : "")} into container {target.ContainerName} of pod {target.Pod.Metadata.Name} on node {target.NodeName}" +
                (restartCount > 0 ? $" (restart {restartCount})" : ""), cancellationToken);
            response = await agents.RestoreAsync(agent, request, settings.RestoreTimeout + settings.AgentDeadlineMargin, cancellationToken);
        }
        catch (Exception e) when (e is AgentNotFoundException or AgentUnavailableException)
        {
            var reason = e is AgentNotFoundException ? ConditionReasons.AgentNotFound : ConditionReasons.AgentUnavailable;
            return again
                ? await RestoreAgainFailedAsync(restore, target, e.Message, reason, maySucceedLater: true, cancellationToken)
                : await AgentUnreachableAsync(restore, target, reason, e.Message, cancellationToken);
        }
        catch (AgentOperationFailedException e)
        {
            if (await RunIsOverAsync(target, cancellationToken))
            {
                // The placeholder went away under the restore; its next run gets a restore of its own.
                return await NotReadyAsync(restore, new Failure(ConditionReasons.ContainerRestarted,
                    $"container {target.ContainerName} of pod {target.Pod.Metadata.Name} ended or restarted while it was being restored ({e.Message}); restoring into its next run",
                    Terminal: false), ConditionTypes.PodReady, cancellationToken, target.Pod);
            }

            return again
                ? await RestoreAgainFailedAsync(restore, target, e.Message, agentReason: null, e.MaySucceedLater, cancellationToken)
                : await NotReadyAsync(restore, new Failure(ConditionReasons.RestoreFailed, e.Message), ConditionTypes.Ready, cancellationToken, target.Pod);
        }

        return await SucceedAsync(restore, target, response, again, cancellationToken);
    }

    /// <summary>
    /// Whether the run of the target container a restore was sent into is over: it stopped running, or the
    /// kubelet already replaced it. (The kubelet may report the end before the restart, or only the restart.)
    /// </summary>
    private async Task<bool> RunIsOverAsync(RunningContainer target, CancellationToken cancellationToken)
    {
        var pod = await ReadPodAsync(target.Pod.Metadata.NamespaceProperty, target.Pod.Metadata.Name, cancellationToken);
        var now = pod?.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == target.ContainerName);
        return pod?.Metadata.Uid == target.Pod.Metadata.Uid && now is not null &&
               (now.RestartCount > RestartCount(target) || now.ContainerID != target.ContainerId || now.State?.Running is null);
    }

    /// <summary>
    /// A restore into the restarted container failed. A failure that may pass (<paramref name="maySucceedLater"/>:
    /// the agent was unreachable, timed out or ran out of space) is retried with backoff, phase Running and Ready
    /// False meanwhile (the kubelet also restarts the placeholder when it gives up waiting), until
    /// <see cref="OperatorOptions.RerestoreMaxAttempts"/> attempts in a row have failed. Any other answer of the
    /// agent would be given again on every attempt: the Restore Fails at once.
    /// </summary>
    private async Task<ReconcileResult> RestoreAgainFailedAsync(
        ApiRestore restore, RunningContainer target, string message, string? agentReason, bool maySucceedLater, CancellationToken cancellationToken)
    {
        var status = StatusFor(restore, target.Pod);
        var attempts = status.RerestoreFailures = (status.RerestoreFailures ?? 0) + 1;
        var what = $"restoring Checkpoint {restore.Spec.CheckpointName} again into restarted container {target.ContainerName} of pod {target.Pod.Metadata.Name}";
        var retry = maySucceedLater && attempts < settings.RerestoreMaxAttempts;
        var reason = maySucceedLater && !retry ? ConditionReasons.RerestoreAttemptsExhausted : ConditionReasons.RerestoreFailed;
        status.Message = !maySucceedLater ? $"{what} failed, and retrying cannot help: {message}"
            : retry ? $"{what} failed (attempt {attempts} of at most {settings.RerestoreMaxAttempts}); retrying with backoff: {message}"
            : $"{what} failed {attempts} times in a row (Operator__RerestoreMaxAttempts is {settings.RerestoreMaxAttempts}); giving up: {message}";
        status.Phase = retry ? Phase.Running : Phase.Failed;
        if (!retry)
        {
            status.CompletionTime = Now();
        }

        if (agentReason is not null)
        {
            SetCondition(status, restore, ConditionTypes.AgentReachable, "False", agentReason, message);
        }
        else
        {
            SetCondition(status, restore, ConditionTypes.AgentReachable, "True", ConditionReasons.AgentAnswered, $"the agent on node {target.NodeName} answered");
        }

        SetCondition(status, restore, ConditionTypes.PodReady, "True", ConditionReasons.PlaceholderRunning, $"container {target.ContainerName} runs the placeholder again");
        SetCondition(status, restore, ConditionTypes.Ready, "False", reason, status.Message);
        if (await StatusWriter.WriteAsync(restores, restore, status, logger, cancellationToken) is not null)
        {
            await events.WarningAsync(restore, reason, status.Message, cancellationToken);
        }

        return retry ? ReconcileResult.Retry : ReconcileResult.Done;
    }

    private async Task<ReconcileResult> SucceedAsync(ApiRestore restore, RunningContainer target, RestoreResponse response, bool again, CancellationToken cancellationToken)
    {
        var status = StatusFor(restore, target.Pod);
        var previousExit = target.Pod.Status.ContainerStatuses.First(c => c.Name == target.ContainerName).LastState?.Terminated;
        status.Phase = Phase.Succeeded;
        status.RestoreCount = again ? (status.RestoreCount ?? 1) + 1 : 1;
        status.ContainerRestartCount = RestartCount(target);
        status.RerestoreFailures = null;
        status.LastRestoreTime = Now();
        status.NodeName = string.IsNullOrEmpty(response.NodeName) ? target.NodeName : response.NodeName;
        status.ContainerId = target.ContainerId;
        status.Pids = new RestoredPids { Host = response.HostPid, InNamespace = response.NamespacePid };
        status.Timings = new Cryo.Api.RestoreTimings
        {
            VerifyMilliseconds = response.Timings?.VerifyMs,
            RestoreMilliseconds = response.Timings?.RestoreMs,
            TotalMilliseconds = response.Timings?.TotalMs,
        };
        status.CompletionTime = again ? status.CompletionTime ?? Now() : Now();
        var pids = $"host PID {response.HostPid}, PID {response.NamespacePid} inside";
        status.Message = again
            ? $"restored again (restore {status.RestoreCount}) into container {target.ContainerName} of pod {target.Pod.Metadata.Name} on node {status.NodeName}: " +
              $"it restarted (restart {status.ContainerRestartCount}) after the application {(previousExit is null ? "ended" : RestartObservation.Describe(previousExit))} ({pids})"
            : $"restored into container {target.ContainerName} of pod {target.Pod.Metadata.Name} on node {status.NodeName} ({pids})";
        var reason = again ? ConditionReasons.Rerestored : ConditionReasons.RestoreSucceeded;
        SetCondition(status, restore, ConditionTypes.PodReady, "True", ConditionReasons.PlaceholderRunning, $"container {target.ContainerName} runs");
        SetCondition(status, restore, ConditionTypes.AgentReachable, "True", ConditionReasons.AgentAnswered, $"the agent on node {status.NodeName} answered");
        SetCondition(status, restore, ConditionTypes.Ready, "True", reason, status.Message);
        if (await StatusWriter.WriteAsync(restores, restore, status, logger, cancellationToken) is not null)
        {
            await events.NormalAsync(restore, reason, status.Message, cancellationToken);
        }

        return ReconcileResult.Done;
    }

    /// <summary>
    /// Something is not there yet (wait, requeue) or never will be (Failed). Sets the condition of
    /// <paramref name="conditionType"/> and Ready accordingly.
    /// </summary>
    private async Task<ReconcileResult> NotReadyAsync(ApiRestore restore, Failure failure, string conditionType, CancellationToken cancellationToken, V1Pod? pod = null)
    {
        var status = StatusFor(restore, pod);
        status.Message = failure.Message;
        if (conditionType != ConditionTypes.CheckpointReady)
        {
            SetCondition(status, restore, ConditionTypes.CheckpointReady, "True", ConditionReasons.CheckpointSucceeded, $"Checkpoint {restore.Spec.CheckpointName} has succeeded");
        }

        if (conditionType != ConditionTypes.Ready)
        {
            SetCondition(status, restore, conditionType, "False", failure.Reason, failure.Message);
        }

        if (failure.Terminal)
        {
            status.Phase = Phase.Failed;
            status.CompletionTime = Now();
            SetCondition(status, restore, ConditionTypes.Ready, "False", failure.Reason, failure.Message);
        }
        else
        {
            status.Phase = pod is null ? Phase.Pending : Phase.Running;
            SetCondition(status, restore, ConditionTypes.Ready, "Unknown", failure.Reason, failure.Message);
        }

        var written = await StatusWriter.WriteAsync(restores, restore, status, logger, cancellationToken);
        if (written is not null && failure.Terminal)
        {
            await events.WarningAsync(restore, ConditionReasons.RestoreFailed, $"{failure.Reason}: {failure.Message}", cancellationToken);
        }

        return failure.Terminal ? ReconcileResult.Done
            : failure.Reason == ConditionReasons.WaitingForPlaceholder ? ReconcileResult.After(settings.PlaceholderRecheckInterval)
            : ReconcileResult.Retry;
    }

    private async Task<ReconcileResult> AgentUnreachableAsync(ApiRestore restore, RunningContainer target, string reason, string message, CancellationToken cancellationToken)
    {
        var status = StatusFor(restore, target.Pod);
        status.Phase = Phase.Running;
        status.Message = $"{message}; retrying with backoff";
        SetCondition(status, restore, ConditionTypes.AgentReachable, "False", reason, message);
        await StatusWriter.WriteAsync(restores, restore, status, logger, cancellationToken);
        return ReconcileResult.Retry;
    }

    /// <summary>A Restore that restored at least once (statuses written before restoreCount existed have only the phase).</summary>
    private static bool HasRestored(ApiRestore restore) => restore.Status?.RestoreCount > 0 || restore.Status?.Phase == Phase.Succeeded;

    /// <summary>The restartCount of the target container's run, as read with the pod.</summary>
    private static int RestartCount(RunningContainer target) =>
        target.Pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == target.ContainerName)?.RestartCount ?? 0;

    private RestoreStatus StatusFor(ApiRestore restore, V1Pod? pod)
    {
        var status = restore.Status ?? new RestoreStatus();
        if (status.Phase == Phase.Succeeded)
        {
            status.RestoreCount ??= 1; // written before restoreCount existed
        }

        status.ObservedGeneration = restore.Metadata.Generation;
        status.StartTime ??= Now();
        if (pod is not null)
        {
            status.PodName = pod.Metadata.Name;
            status.NodeName = pod.Spec.NodeName ?? status.NodeName;
        }

        return status;
    }

    private async Task<V1Pod?> ReadPodAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            return null;
        }
    }

    private void SetCondition(RestoreStatus status, ApiRestore restore, string type, string value, string reason, string message) =>
        status.Conditions = Conditions.Set(status.Conditions, type, value, reason, message, restore.Metadata.Generation, Now());

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;
}
