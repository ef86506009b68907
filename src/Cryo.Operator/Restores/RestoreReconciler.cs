using System.Diagnostics;
using Cryo.Api;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using Cryo.Operator.Retention;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Options;
using ApiRestore = Cryo.Api.Restore;

namespace Cryo.Operator.Restores;

/// <summary>
/// Drives a Restore: the Checkpoint must be Succeeded; the target pod is created (newPod, from the
/// checkpointed spec with the placeholder) or read (existingPod); once its container runs, the node's agent
/// restores into it, with the Restore's UID as operation ID. Each pass writes status at most once. The pod
/// a Restore created carries an owner reference, so deleting the Restore deletes it.
/// Once restored, the Restore follows its target (<see cref="RestoreFollower"/>): a newPod target is restored into
/// again after each restart of its container; an existingPod target is restored into once.
/// A pod that declares the readiness gate <see cref="CryoNames.RestoredCondition"/> (every pod a Restore creates;
/// an existingPod if its owner added it) is kept not Ready through that pod condition, written before the Restore's
/// status: False while a restore is on its way (Restoring) and whenever the current run holds no restored
/// application (RestoreFailed, ContainerRestarted, RerestoreFailed, ContainerEnded), True (Restored) once the agent
/// restored into the current run.
/// A finished Restore with ttlSecondsAfterFinished is deleted once that time is up (<see cref="Expiry"/>).
/// </summary>
public sealed class RestoreReconciler(
    CryoResources resources,
    RestoreDispatcher dispatcher,
    RestoreRecorder recorder,
    RestoreFollower follower,
    RestoreTransfer transfer,
    Expiry expiry,
    EventRecorder events,
    IOptions<OperatorOptions> options,
    TimeProvider clock) : IReconciler
{
    private readonly OperatorOptions settings = options.Value;

    /// <inheritdoc/>
    public string Kind => ApiRestore.KindName;

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var restore = await resources.Restores.GetAsync(key.Namespace, key.Name, cancellationToken);
        if (restore is null || restore.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.Done; // the pod it created goes with it through its owner reference
        }

        var expired = await expiry.ExpireAsync(restore, cancellationToken);
        if (expired == ReconcileResult.Done || restore.Status?.Phase is Phase.Failed)
        {
            return expired ?? ReconcileResult.Done;
        }

        if (restore.Status is { } restored && HasRestored(restored))
        {
            return Expiry.Sooner(await follower.FollowAsync(restore, restored, cancellationToken), expired);
        }

        var checkpoint = await RestorableCheckpoint.ReadAsync(resources.Checkpoints, restore, cancellationToken);
        if (checkpoint.Failure is { } noCheckpoint)
        {
            return await recorder.NotReadyAsync(restore, noCheckpoint, ConditionTypes.CheckpointReady, null, cancellationToken);
        }

        var pod = restore.Spec.ExistingPod is { } existing
            ? await ReadExistingPodAsync(restore, existing, cancellationToken)
            : await EnsurePodAsync(restore, checkpoint.Value, cancellationToken);
        if (pod.Failure is { } noPod)
        {
            return await recorder.NotReadyAsync(restore, noPod, ConditionTypes.PodReady, null, cancellationToken);
        }

        if (NotCreatedHere(restore, pod.Value) is { } taken)
        {
            return await recorder.NotReadyAsync(restore, taken, ConditionTypes.PodReady, pod.Value, cancellationToken);
        }

        var target = PlaceholderContainer(restore, checkpoint.Value, pod.Value);
        if (target.Failure is { } notRunning)
        {
            return await PlaceholderNotReadyAsync(restore, pod.Value, notRunning, cancellationToken);
        }

        return await RestoreAsync(restore, checkpoint.Value, target.Value, pod.Value, cancellationToken);
    }

    /// <summary>A Restore that restored at least once (statuses written before restoreCount existed have only the phase).</summary>
    private static bool HasRestored(RestoreStatus status) => status.RestoreCount > 0 || status.Phase == Phase.Succeeded;

    /// <summary>
    /// newPod: creates the placeholder pod unless it exists. One that the Restore's own controller made for it in
    /// advance (a Migration prepares its target pod right after its preflight, before the checkpoint) is taken over.
    /// </summary>
    private async Task<Found<V1Pod>> EnsurePodAsync(ApiRestore restore, Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.NamespaceProperty;
        var name = PlaceholderPodBuilder.PodName(restore);
        if (await resources.Pods.GetAsync(ns, name, cancellationToken) is { } found)
        {
            return PreparedByOwner(restore, found) ? await TakeOverAsync(restore, found, cancellationToken) : found;
        }

        var podSpec = checkpoint.Status?.PodSpec ?? throw new UnreachableException("a restorable Checkpoint recorded the pod spec of a newPod target");
        var containerName = checkpoint.Spec.ContainerName ?? podSpec.Containers[0].Name;
        try
        {
            var created = await resources.Pods.CreateAsync(
                PlaceholderPodBuilder.Build(restore, podSpec, containerName, checkpoint.Metadata.Name, PlaceholderSource.From(settings)), cancellationToken);
            await events.NormalAsync(restore, ConditionReasons.PodCreated, $"created pod {name} with the placeholder in container {containerName}", cancellationToken);
            return created;
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e))
        {
            // Created meanwhile; whose it is is checked next.
            return await resources.Pods.GetAsync(ns, name, cancellationToken) is { } meanwhile ? meanwhile : Taken(restore, name);
        }
    }

    /// <summary>Whether <paramref name="pod"/> was made for <paramref name="restore"/> by the controller of both.</summary>
    private static bool PreparedByOwner(ApiRestore restore, V1Pod pod) =>
        Ownership.ControllerOf(restore.Metadata)?.Uid is { } owner && Ownership.ControllerOf(pod.Metadata)?.Uid == owner;

    private async Task<Found<V1Pod>> TakeOverAsync(ApiRestore restore, V1Pod pod, CancellationToken cancellationToken)
    {
        if (await PodHandover.ToRestoreAsync(resources.Pods, restore, pod, cancellationToken) is not { } taken)
        {
            return new Failure(ConditionReasons.PodNotFound,
                $"pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}, made in advance for this Restore, is gone; it is created anew", Terminal: false);
        }

        var by = Ownership.ControllerOf(pod.Metadata)!;
        await events.NormalAsync(restore, ConditionReasons.PodCreated, $"took over pod {pod.Metadata.Name}, which {by.Kind} {by.Name} made in advance", cancellationToken);
        return taken;
    }

    private async Task<Found<V1Pod>> ReadExistingPodAsync(ApiRestore restore, ExistingPodTarget existing, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.NamespaceProperty;
        return await resources.Pods.GetAsync(ns, existing.Name, cancellationToken) is { } pod
            ? pod
            : new Failure(ConditionReasons.PodNotFound, $"pod {ns}/{existing.Name} does not exist");
    }

    /// <summary>newPod: a pod of the placeholder's name that this Restore did not create is not restored into.</summary>
    private static Failure? NotCreatedHere(ApiRestore restore, V1Pod pod) =>
        restore.Spec.NewPod is not null && pod.Metadata.OwnerReferences?.Any(o => o.Uid == restore.Metadata.Uid) != true ? Taken(restore, pod.Metadata.Name) : null;

    private static Failure Taken(ApiRestore restore, string name) =>
        new(ConditionReasons.PodNameTaken, $"pod {restore.Metadata.NamespaceProperty}/{name} exists and was not created by this Restore");

    /// <summary>The container receiving the restore must run (the placeholder holds its place); a finished pod cannot receive it.</summary>
    private static Found<RunningContainer> PlaceholderContainer(ApiRestore restore, Checkpoint checkpoint, V1Pod pod)
    {
        var podRef = $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";
        if (pod.Spec.ShareProcessNamespace == true)
        {
            return new Failure(ConditionReasons.SharedProcessNamespace,
                $"pod {podRef} shares one PID namespace between its containers; its pause process would adopt the restored application");
        }

        if (pod.Status?.Phase is "Succeeded" or "Failed" || pod.Metadata.DeletionTimestamp is not null)
        {
            return new Failure(ConditionReasons.PodFailed, $"pod {podRef} ended ({pod.Status?.Phase}) before the restore");
        }

        var containerName = restore.Spec.ExistingPod is { } existing
            ? existing.ContainerName
            : (pod.Metadata.Annotations is { } annotations && annotations.TryGetValue(CryoNames.PlaceholderContainerAnnotation, out var annotated) ? annotated : null) ?? checkpoint.Spec.ContainerName;
        var target = PodInspector.FindRunningContainer(pod, containerName);
        return target.Failure is { Reason: ConditionReasons.PodNotRunning or ConditionReasons.ContainerNotRunning } notYet
            ? notYet with { Reason = ConditionReasons.WaitingForPlaceholder, Terminal = false }
            : target;
    }

    /// <summary>
    /// The placeholder does not run yet (look again soon), or the pod cannot receive a restore: the Restore Fails, and
    /// the pod's restored condition says why.
    /// </summary>
    private async Task<ReconcileResult> PlaceholderNotReadyAsync(ApiRestore restore, V1Pod pod, Failure failure, CancellationToken cancellationToken)
    {
        if (!failure.Terminal)
        {
            return await recorder.NotReadyAsync(restore, failure, ConditionTypes.PodReady, pod, cancellationToken);
        }

        var failed = failure with { Message = $"{failure.Message}. {RestoreRecorder.PodFate(restore, pod)}" };
        return await recorder.NotRestoredAsync(restore, pod, ConditionReasons.RestoreFailed, failed, ConditionTypes.PodReady, cancellationToken);
    }

    /// <summary>
    /// The pod stops being Ready while the restore is on its way; the agent restores into the placeholder, and the
    /// answer is recorded. An agent that cannot be reached is retried with backoff; a refusal is final, except that the
    /// Checkpoint missing from a node other than its own is pulled there first (<see cref="RestoreTransfer"/>), and
    /// the passes that follow the pull restore nothing until it ended.
    /// </summary>
    private async Task<ReconcileResult> RestoreAsync(ApiRestore restore, Checkpoint checkpoint, RunningContainer target, V1Pod pod, CancellationToken cancellationToken)
    {
        if (transfer.Find(checkpoint, target) is { } pull)
        {
            return await transfer.FollowAsync(restore, checkpoint, pull, pod, cancellationToken);
        }

        var restoring = await recorder.MarkPodAsync(pod, RestoredCondition.NotRestored(ConditionReasons.Restoring,
            $"restoring Checkpoint {restore.Spec.CheckpointName} into container {target.ContainerName}; the pod is not Ready until the restore completes"), cancellationToken);
        var outcome = await dispatcher.RestoreAsync(restore, target, again: false, cancellationToken);
        if (RestoreTransfer.CanPull(outcome, checkpoint, target))
        {
            return await transfer.StartAsync(restore, checkpoint, target, restoring, cancellationToken);
        }

        return outcome switch
        {
            RestoreAnswer.Restored answer => await recorder.RestoredAsync(restore, target, restoring, answer.Response, again: false, cancellationToken),
            RestoreAnswer.Unreachable answer => await AgentUnreachableAsync(restore, target, answer.Reason, answer.Message, cancellationToken),
            RestoreAnswer.RunOver answer => await recorder.NotRestoredAsync(restore, restoring, answer.Failure.Reason, answer.Failure, ConditionTypes.PodReady, cancellationToken),
            RestoreAnswer.Refused answer => await RestoreFailedAsync(restore, target, restoring, answer.Error.Message, cancellationToken),
            _ => throw new UnreachableException(),
        };
    }

    /// <summary>
    /// The agent could not restore into the pod: the Restore Fails. The pod stays, for <c>kubectl logs</c> and
    /// <c>describe</c>, but not Ready: its restored condition says why, as do the Restore's status and Warning Event.
    /// </summary>
    private Task<ReconcileResult> RestoreFailedAsync(ApiRestore restore, RunningContainer target, V1Pod pod, string answer, CancellationToken cancellationToken)
    {
        var failure = new Failure(ConditionReasons.RestoreFailed,
            $"restoring Checkpoint {restore.Spec.CheckpointName} into container {target.ContainerName} of pod {target.Pod.Metadata.Name} on node {target.NodeName} failed. " +
            $"{RestoreRecorder.PodFate(restore, pod)} The agent answered: {answer}");
        return recorder.NotRestoredAsync(restore, pod, failure.Reason, failure, ConditionTypes.Ready, cancellationToken);
    }

    /// <summary>No agent could be reached: say so in a condition and retry with backoff, same operation ID.</summary>
    private async Task<ReconcileResult> AgentUnreachableAsync(ApiRestore restore, RunningContainer target, string reason, string message, CancellationToken cancellationToken)
    {
        var status = recorder.StatusFor(restore, target.Pod);
        status.Phase = Phase.Running;
        status.Message = $"{message}; retrying with backoff";
        status.SetCondition(ConditionTypes.AgentReachable, ConditionStatus.False, reason, message, clock.GetUtcNow().UtcDateTime);
        await recorder.WriteAsync(restore, status, cancellationToken);
        return ReconcileResult.Retry;
    }
}
