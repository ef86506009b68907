using Cryo.Api;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Agents;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
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
/// A pod that declares the readiness gate <see cref="CryoNames.RestoredCondition"/> (every pod a Restore creates;
/// an existingPod if its owner added it) is kept not Ready through that pod condition, written before the Restore's
/// status: False while a restore is on its way (Restoring) and whenever the current run holds no restored
/// application (RestoreFailed, ContainerRestarted, RerestoreFailed, ContainerEnded), True (Restored) once the agent
/// restored into the current run.
/// </summary>
public sealed class RestoreReconciler(
    CryoResources resources,
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
            return restore.Spec.NewPod is null ? await FollowExistingPodAsync(restore, cancellationToken) : await FollowRestartsAsync(restore, cancellationToken);
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
        if (containerProblem is { Terminal: true })
        {
            var failed = containerProblem with { Message = $"{containerProblem.Message}. {PodFate(restore, pod!)}" };
            await MarkPodAsync(pod!, RestoredCondition.NotRestored(ConditionReasons.RestoreFailed, failed.Message), cancellationToken);
            return await NotReadyAsync(restore, failed, ConditionTypes.PodReady, cancellationToken, pod);
        }

        if (containerProblem is not null)
        {
            return await NotReadyAsync(restore, containerProblem, ConditionTypes.PodReady, cancellationToken, pod);
        }

        var restoring = await MarkPodAsync(pod!, RestoredCondition.NotRestored(ConditionReasons.Restoring,
            $"restoring Checkpoint {restore.Spec.CheckpointName} into container {target!.ContainerName}; the pod is not Ready until the restore completes"), cancellationToken);
        return await DispatchToAgentAsync(restore, target, restoring, again: false, cancellationToken);
    }

    /// <summary>
    /// After a restore into a newPod target: restores again into a restarted container's fresh placeholder,
    /// says so when the container ended for good, and otherwise has nothing to do.
    /// </summary>
    private async Task<ReconcileResult> FollowRestartsAsync(ApiRestore restore, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.NamespaceProperty;
        var name = restore.Status?.PodName ?? PlaceholderPodBuilder.PodName(restore);
        var pod = await resources.Pods.GetAsync(ns, name, cancellationToken);
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
            RestoredContainerState.Ended => await TargetEndedAsync(restore, new Failure(ConditionReasons.ContainerEnded, observed.Message), cancellationToken, pod),
            RestoredContainerState.Restarted => await RestoreAgainAsync(restore, new RunningContainer(pod, containerName, observed.Container!.ContainerID), observed.Message, cancellationToken),
            _ => ReconcileResult.Done,
        };
    }

    /// <summary>
    /// The kubelet restarted the container: the pod stops being Ready before anything else (its new run is a bare
    /// placeholder), then the Checkpoint, which must still be there, is restored into the new run.
    /// </summary>
    private async Task<ReconcileResult> RestoreAgainAsync(ApiRestore restore, RunningContainer target, string restarted, CancellationToken cancellationToken)
    {
        // Only the Restored True is stale; a False already says why this run holds nothing (a failed attempt, say).
        var pod = RestoredCondition.On(target.Pod)?.Status == ConditionStatus.True
            ? await MarkPodAsync(target.Pod, RestoredCondition.NotRestored(ConditionReasons.ContainerRestarted,
                $"{restarted}; it runs a bare placeholder until the Checkpoint is restored into it again"), cancellationToken)
            : target.Pod;
        var (_, checkpointProblem) = await ReadCheckpointAsync(restore, cancellationToken);
        if (checkpointProblem is { Terminal: true })
        {
            var failed = checkpointProblem with { Message = $"{checkpointProblem.Message}: cannot restore into the restarted container. {PodFate(restore, pod)}" };
            await MarkPodAsync(pod, RestoredCondition.NotRestored(ConditionReasons.RerestoreFailed, failed.Message), cancellationToken);
            return await NotReadyAsync(restore, failed, ConditionTypes.CheckpointReady, cancellationToken, target.Pod);
        }

        if (checkpointProblem is not null)
        {
            return await NotReadyAsync(restore, checkpointProblem, ConditionTypes.CheckpointReady, cancellationToken, target.Pod);
        }

        return await DispatchToAgentAsync(restore, target, pod, again: true, cancellationToken);
    }

    /// <summary>
    /// After a restore into an existingPod target: the Restore restores once, but a pod that declares the readiness
    /// gate must not stay Ready once its container restarted into a run that holds nothing (or the pod was replaced).
    /// Its condition turns False (ContainerRestarted), unless another Restore restored into the current run or is
    /// restoring into the pod: that one's condition is not this Restore's to overwrite.
    /// </summary>
    private async Task<ReconcileResult> FollowExistingPodAsync(ApiRestore restore, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.NamespaceProperty;
        var existing = restore.Spec.ExistingPod!;
        var pod = await resources.Pods.GetAsync(ns, existing.Name, cancellationToken);
        if (pod is null || !RestoredCondition.IsGateOf(pod) || RestoredCondition.On(pod)?.Status != ConditionStatus.True)
        {
            return ReconcileResult.Done;
        }

        var containerName = existing.ContainerName ?? pod.Spec.Containers[0].Name;
        var container = pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == containerName);
        if (container is null || !RunChanged(restore.Status!, container) || await AnotherRestoreHoldsAsync(restore, pod, container, cancellationToken))
        {
            return ReconcileResult.Done;
        }

        var message = $"container {containerName} of pod {ns}/{pod.Metadata.Name} runs again (restart {container.RestartCount}) since Restore {restore.Metadata.Name} " +
                      "restored into it; a Restore into an existing pod restores once: create another Restore to restore into the new run";
        await MarkPodAsync(pod, RestoredCondition.NotRestored(ConditionReasons.ContainerRestarted, message), cancellationToken);
        await events.NormalAsync(restore, ConditionReasons.ContainerRestarted, message, cancellationToken);
        return ReconcileResult.Done;
    }

    /// <summary>Whether the container now runs another run than the one restored into (it restarted, or the pod was replaced).</summary>
    private static bool RunChanged(RestoreStatus status, V1ContainerStatus container) =>
        (status.ContainerRestartCount is { } restoredInto && container.RestartCount > restoredInto) ||
        (!string.IsNullOrEmpty(container.ContainerID) && status.ContainerId is not null && container.ContainerID != status.ContainerId);

    /// <summary>Whether another Restore into <paramref name="pod"/> is under way or restored into its current run.</summary>
    private async Task<bool> AnotherRestoreHoldsAsync(ApiRestore restore, V1Pod pod, V1ContainerStatus container, CancellationToken cancellationToken)
    {
        var others = await restores.ListAsync(restore.Metadata.NamespaceProperty, cancellationToken);
        return others.Items.Any(other => other.Metadata.Uid != restore.Metadata.Uid && other.Spec.ExistingPod?.Name == pod.Metadata.Name &&
                                         (other.Status?.Phase is Phase.Running ||
                                          (other.Status?.Phase is Phase.Succeeded && other.Status.ContainerId == container.ContainerID)));
    }

    /// <summary>
    /// The restored pod or container ended for good: PodReady says so (written once, not on every resync), and so does
    /// the pod's restored condition while the pod is there.
    /// A Restore still retrying a restore into the restarted container cannot succeed any more: it Fails.
    /// </summary>
    private async Task<ReconcileResult> TargetEndedAsync(ApiRestore restore, Failure ended, CancellationToken cancellationToken, V1Pod? pod = null)
    {
        if (pod is not null)
        {
            await MarkPodAsync(pod, RestoredCondition.NotRestored(ended.Reason, ended.Message), cancellationToken);
        }

        var current = Conditions.Find(restore.Status?.Conditions, ConditionTypes.PodReady);
        if (current is { Status: ConditionStatus.False } && current.Reason == ended.Reason && current.Message == ended.Message && restore.Status?.Phase is Phase.Succeeded or Phase.Failed)
        {
            return ReconcileResult.Done;
        }

        var status = StatusFor(restore, null);
        SetCondition(status, restore, ConditionTypes.PodReady, ConditionStatus.False, ended.Reason, ended.Message);
        if (status.Phase != Phase.Succeeded)
        {
            status.Phase = Phase.Failed;
            status.CompletionTime = Now();
            status.Message = $"{ended.Message}; the restore into the restarted container never succeeded";
            SetCondition(status, restore, ConditionTypes.Ready, ConditionStatus.False, ended.Reason, status.Message);
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
        var pod = await resources.Pods.GetAsync(ns, name, cancellationToken);
        if (pod is null)
        {
            var containerName = checkpoint.Spec.ContainerName ?? checkpoint.Status!.PodSpec!.Containers[0].Name;
            var built = PlaceholderPodBuilder.Build(restore, checkpoint.Status!.PodSpec!, containerName, checkpoint.Metadata.Name, settings.PlaceholderImage);
            try
            {
                pod = await resources.Pods.CreateAsync(built, cancellationToken);
                await events.NormalAsync(restore, ConditionReasons.PodCreated, $"created pod {name} with the placeholder in container {containerName}", cancellationToken);
            }
            catch (HttpOperationException e) when (ApiErrors.IsConflict(e))
            {
                pod = await resources.Pods.GetAsync(ns, name, cancellationToken); // created meanwhile; check whose it is below
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
        var pod = await resources.Pods.GetAsync(ns, name, cancellationToken);
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
        var found = PodInspector.FindRunningContainer(pod, containerName);
        return found.Failure is { Reason: ConditionReasons.PodNotRunning or ConditionReasons.ContainerNotRunning } notYet
            ? (null, notYet with { Reason = ConditionReasons.WaitingForPlaceholder, Terminal = false })
            : found.Failure is { } failure ? (null, failure) : (found.Value, null);
    }

    /// <summary>
    /// Calls Restore on the agent of the pod's node, into the running placeholder container; <paramref name="again"/>
    /// when the container restarted after an earlier restore. The operation ID names the container's run.
    /// <paramref name="pod"/> is the target pod as last written (its restored condition), while the target keeps
    /// the pod as read, whose container statuses name the run.
    /// </summary>
    private async Task<ReconcileResult> DispatchToAgentAsync(ApiRestore restore, RunningContainer target, V1Pod pod, bool again, CancellationToken cancellationToken)
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
                ? await RestoreAgainFailedAsync(restore, target, pod, e.Message, reason, maySucceedLater: true, cancellationToken)
                : await AgentUnreachableAsync(restore, target, reason, e.Message, cancellationToken);
        }
        catch (AgentOperationFailedException e)
        {
            if (await RunIsOverAsync(target, cancellationToken))
            {
                // The placeholder went away under the restore; its next run gets a restore of its own.
                var over = new Failure(ConditionReasons.ContainerRestarted,
                    $"container {target.ContainerName} of pod {target.Pod.Metadata.Name} ended or restarted while it was being restored ({e.Message}); restoring into its next run",
                    Terminal: false);
                await MarkPodAsync(pod, RestoredCondition.NotRestored(over.Reason, over.Message), cancellationToken);
                return await NotReadyAsync(restore, over, ConditionTypes.PodReady, cancellationToken, target.Pod);
            }

            return again
                ? await RestoreAgainFailedAsync(restore, target, pod, e.Message, agentReason: null, e.MaySucceedLater, cancellationToken)
                : await RestoreFailedAsync(restore, target, pod, e.Message, cancellationToken);
        }

        return await SucceedAsync(restore, target, pod, response, again, cancellationToken);
    }

    /// <summary>
    /// The agent could not restore into the pod: the Restore Fails. The pod stays, for <c>kubectl logs</c> and
    /// <c>describe</c>, but not Ready: its restored condition says why, as do the Restore's status and Warning Event.
    /// </summary>
    private async Task<ReconcileResult> RestoreFailedAsync(ApiRestore restore, RunningContainer target, V1Pod pod, string answer, CancellationToken cancellationToken)
    {
        var failure = new Failure(ConditionReasons.RestoreFailed,
            $"restoring Checkpoint {restore.Spec.CheckpointName} into container {target.ContainerName} of pod {target.Pod.Metadata.Name} on node {target.NodeName} failed. " +
            $"{PodFate(restore, pod)} The agent answered: {answer}");
        await MarkPodAsync(pod, RestoredCondition.NotRestored(failure.Reason, failure.Message), cancellationToken);
        return await NotReadyAsync(restore, failure, ConditionTypes.Ready, cancellationToken, target.Pod);
    }

    /// <summary>
    /// Whether the run of the target container a restore was sent into is over: it stopped running, or the
    /// kubelet already replaced it. (The kubelet may report the end before the restart, or only the restart.)
    /// </summary>
    private async Task<bool> RunIsOverAsync(RunningContainer target, CancellationToken cancellationToken)
    {
        var pod = await resources.Pods.GetAsync(target.Pod.Metadata.NamespaceProperty, target.Pod.Metadata.Name, cancellationToken);
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
        ApiRestore restore, RunningContainer target, V1Pod pod, string message, string? agentReason, bool maySucceedLater, CancellationToken cancellationToken)
    {
        var status = StatusFor(restore, target.Pod);
        var attempts = status.RerestoreFailures = (status.RerestoreFailures ?? 0) + 1;
        var what = $"restoring Checkpoint {restore.Spec.CheckpointName} again into restarted container {target.ContainerName} of pod {target.Pod.Metadata.Name}";
        var retry = maySucceedLater && attempts < settings.RerestoreMaxAttempts;
        var reason = maySucceedLater && !retry ? ConditionReasons.RerestoreAttemptsExhausted : ConditionReasons.RerestoreFailed;
        status.Message = !maySucceedLater ? $"{what} failed, and retrying cannot help. {PodFate(restore, pod)} The agent answered: {message}"
            : retry ? $"{what} failed (attempt {attempts} of at most {settings.RerestoreMaxAttempts}); retrying with backoff: {message}"
            : $"{what} failed {attempts} times in a row (Operator__RerestoreMaxAttempts is {settings.RerestoreMaxAttempts}); giving up. {PodFate(restore, pod)} The last answer: {message}";
        status.Phase = retry ? Phase.Running : Phase.Failed;
        if (!retry)
        {
            status.CompletionTime = Now();
        }

        if (agentReason is not null)
        {
            SetCondition(status, restore, ConditionTypes.AgentReachable, ConditionStatus.False, agentReason, message);
        }
        else
        {
            SetCondition(status, restore, ConditionTypes.AgentReachable, ConditionStatus.True, ConditionReasons.AgentAnswered, $"the agent on node {target.NodeName} answered");
        }

        SetCondition(status, restore, ConditionTypes.PodReady, ConditionStatus.True, ConditionReasons.PlaceholderRunning, $"container {target.ContainerName} runs the placeholder again");
        SetCondition(status, restore, ConditionTypes.Ready, ConditionStatus.False, reason, status.Message);
        await MarkPodAsync(pod, RestoredCondition.NotRestored(reason, status.Message), cancellationToken);
        if (await StatusWriter.WriteAsync(restores, restore, status, logger, cancellationToken) is not null)
        {
            await events.WarningAsync(restore, reason, status.Message, cancellationToken);
        }

        return retry ? ReconcileResult.Retry : ReconcileResult.Done;
    }

    private async Task<ReconcileResult> SucceedAsync(ApiRestore restore, RunningContainer target, V1Pod pod, RestoreResponse response, bool again, CancellationToken cancellationToken)
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
        SetCondition(status, restore, ConditionTypes.PodReady, ConditionStatus.True, ConditionReasons.PlaceholderRunning, $"container {target.ContainerName} runs");
        SetCondition(status, restore, ConditionTypes.AgentReachable, ConditionStatus.True, ConditionReasons.AgentAnswered, $"the agent on node {status.NodeName} answered");
        SetCondition(status, restore, ConditionTypes.Ready, ConditionStatus.True, reason, status.Message);

        // Ready before the status says Succeeded: should the patch fail, the pass is retried, and the agent answers
        // the repeated operation ID with this same result.
        await MarkPodAsync(pod, RestoredCondition.Restored(again
            ? $"Checkpoint {restore.Spec.CheckpointName} restored again into container {target.ContainerName} after its restart {status.ContainerRestartCount}"
            : $"Checkpoint {restore.Spec.CheckpointName} restored into container {target.ContainerName}"), cancellationToken);
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
            SetCondition(status, restore, ConditionTypes.CheckpointReady, ConditionStatus.True, ConditionReasons.CheckpointSucceeded, $"Checkpoint {restore.Spec.CheckpointName} has succeeded");
        }

        if (conditionType != ConditionTypes.Ready)
        {
            SetCondition(status, restore, conditionType, ConditionStatus.False, failure.Reason, failure.Message);
        }

        if (failure.Terminal)
        {
            status.Phase = Phase.Failed;
            status.CompletionTime = Now();
            SetCondition(status, restore, ConditionTypes.Ready, ConditionStatus.False, failure.Reason, failure.Message);
        }
        else
        {
            status.Phase = pod is null ? Phase.Pending : Phase.Running;
            SetCondition(status, restore, ConditionTypes.Ready, ConditionStatus.Unknown, failure.Reason, failure.Message);
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
        SetCondition(status, restore, ConditionTypes.AgentReachable, ConditionStatus.False, reason, message);
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

    /// <summary>
    /// Sets <paramref name="pod"/>'s <see cref="CryoNames.RestoredCondition"/> condition through pods/status when the pod
    /// declares its readiness gate and shows something else. Returns the pod as stored, or as given when nothing
    /// was written (no gate, no change, or the pod is gone: nothing left to keep from being Ready).
    /// </summary>
    private async Task<V1Pod> MarkPodAsync(V1Pod pod, RestoredCondition condition, CancellationToken cancellationToken)
    {
        if (!RestoredCondition.IsGateOf(pod) || condition.IsShownBy(pod))
        {
            return pod;
        }

        return await resources.Pods.PatchStatusAsync(pod, condition.PatchFor(pod, Now()), cancellationToken) ?? pod;
    }

    /// <summary>What becomes of the target pod when the Restore fails, for status, Events and the pod's condition.</summary>
    private static string PodFate(ApiRestore restore, V1Pod pod)
    {
        var notReady = RestoredCondition.IsGateOf(pod) ? $" but not Ready: its readiness gate {CryoNames.RestoredCondition} is False" : "";
        return restore.Spec.NewPod is not null
            ? $"Pod {pod.Metadata.Name} is kept for kubectl logs and describe{notReady}; deleting Restore {restore.Metadata.Name} deletes it."
            : $"Pod {pod.Metadata.Name} is not this Restore's and is left as it is{notReady}.";
    }

    private void SetCondition(RestoreStatus status, ApiRestore restore, string type, string value, string reason, string message) =>
        status.SetCondition(type, value, reason, message, Now());

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;
}
