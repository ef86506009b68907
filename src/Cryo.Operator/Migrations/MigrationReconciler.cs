using System.Diagnostics;
using Cryo.Api;
using Cryo.Operator.Agents;
using Cryo.Operator.Checkpoints;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using Cryo.Operator.Restores;
using Cryo.Operator.Transfers;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ApiCheckpoint = Cryo.Api.Checkpoint;
using ApiRestore = Cryo.Api.Restore;

namespace Cryo.Operator.Migrations;

/// <summary>
/// Drives a Migration (stopAndCopy): the source pod must run a container and the target node differ; the target's agent
/// must pass the preflight (before anything is stopped); then an owned Checkpoint with leaveRunning false stops and
/// checkpoints the container, and an owned Restore brings it up on the target node in a new pod with the original's
/// labels (its agent pulls the checkpoint from the source's). The original pod is deleted only once the copy runs. A
/// failure before the final dump leaves the original running; a failed restore on the target restores the checkpoint on
/// the source node instead (<see cref="MigrationNames.FallbackRestore"/>): never zero copies. Each pass writes status at
/// most once; the Checkpoint's and Restore's changes requeue the Migration that owns them.
/// </summary>
public sealed class MigrationReconciler(
    CryoResources resources,
    MigrationPreflight preflight,
    MigrationTarget targets,
    CheckpointPulls pulls,
    CheckpointCopies copies,
    IAgentLocator locator,
    IOptions<OperatorOptions> options,
    EventRecorder events,
    TimeProvider clock,
    ILogger<MigrationReconciler> logger) : IReconciler
{
    /// <inheritdoc/>
    public string Kind => Migration.KindName;

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var migration = await resources.Migrations.GetAsync(key.Namespace, key.Name, cancellationToken);
        if (migration is null || migration.Metadata.DeletionTimestamp is not null || migration.Status?.Phase is MigrationPhase.Completed or MigrationPhase.Failed)
        {
            return ReconcileResult.Done;
        }

        var status = StatusWriter.Draft(migration, migration.Status);
        if (status.CheckpointName is null)
        {
            return status.PrecopyCheckpointName is null
                ? await StartAsync(migration, status, cancellationToken)
                : await PrecopyAsync(migration, status, cancellationToken);
        }

        var checkpoint = await resources.Checkpoints.GetAsync(key.Namespace, status.CheckpointName, cancellationToken);
        if (checkpoint?.Status?.Phase is not Phase.Succeeded)
        {
            return await FollowCheckpointAsync(migration, status, checkpoint, status.CheckpointName, cancellationToken);
        }

        if (status.FallbackRestoreName is not null)
        {
            return await FollowFallbackAsync(migration, status, checkpoint, cancellationToken);
        }

        return status.RestoreName is null
            ? await CreateRestoreAsync(migration, status, checkpoint, cancellationToken)
            : await FollowRestoreAsync(migration, status, checkpoint, cancellationToken);
    }

    /// <summary>Checks the pod and the target, asks the target's agent, then stops and checkpoints the container.</summary>
    private async Task<ReconcileResult> StartAsync(Migration migration, MigrationStatus status, CancellationToken cancellationToken)
    {
        var now = Now;
        status.StartTime ??= now;
        var source = await SourceContainerAsync(migration, cancellationToken);
        if (source.Failure is { } noSource)
        {
            return noSource.Terminal
                ? await FailAsync(migration, status, noSource, ConditionTypes.Validated, cancellationToken)
                : await WaitAsync(migration, status, noSource, cancellationToken);
        }

        var pod = source.Value.Pod;
        status.SourceNode = pod.Spec.NodeName;
        status.SourcePodUid = pod.Metadata.Uid;
        var target = await targets.ChooseAsync(migration, pod.Spec.NodeName, cancellationToken);
        if (target.Failure is { } noTarget)
        {
            return await FailAsync(migration, status, noTarget, ConditionTypes.PreflightPassed, cancellationToken);
        }

        // Chosen once: every later pass, and the names derived from it, read it from status.
        status.TargetNode = target.Value;
        status.Phase = MigrationPhase.Preflight;
        var clockStarted = Stopwatch.GetTimestamp();
        Failure? gaps;
        try
        {
            gaps = await preflight.CheckAsync(pod.Spec.NodeName, target.Value,
                pod.Spec.Containers.Single(c => c.Name == source.Value.ContainerName), cancellationToken);
        }
        catch (AgentNotFoundException e)
        {
            return await FailAsync(migration, status, new Failure(ConditionReasons.AgentNotFound, $"{e.Message}; nothing was stopped"), ConditionTypes.PreflightPassed, cancellationToken);
        }
        catch (AgentUnavailableException e)
        {
            status.Message = $"{e.Message}; retrying with backoff, nothing was stopped";
            status.SetCondition(ConditionTypes.AgentReachable, ConditionStatus.False, ConditionReasons.AgentUnavailable, e.Message, now);
            await WriteAsync(migration, status, cancellationToken);
            return ReconcileResult.Retry;
        }

        if (gaps is not null)
        {
            return await FailAsync(migration, status, gaps, ConditionTypes.PreflightPassed, cancellationToken);
        }

        status.Timings = new MigrationTimings { PreflightMilliseconds = (long)Stopwatch.GetElapsedTime(clockStarted).TotalMilliseconds };
        status.SetCondition(ConditionTypes.PreflightPassed, ConditionStatus.True, ConditionReasons.PreflightPassed,
            $"node {status.TargetNode} can restore what node {pod.Spec.NodeName} checkpoints", now);
        if (await PrepareTargetPodAsync(migration, status, pod, source.Value.ContainerName, cancellationToken) is { } refused)
        {
            return await FailAsync(migration, status, refused, ConditionTypes.PodReady, cancellationToken);
        }

        var precopy = migration.Spec.Mode == MigrationMode.Precopy;
        var created = await EnsureCheckpointAsync(migration, precopy ? MigrationNames.PrecopyCheckpoint(migration) : MigrationNames.Checkpoint(migration),
            new CheckpointSpec { PodName = pod.Metadata.Name, ContainerName = source.Value.ContainerName, LeaveRunning = precopy }, cancellationToken);
        if (created.Failure is { } taken)
        {
            return await FailAsync(migration, status, taken, ConditionTypes.Checkpointed, cancellationToken);
        }

        if (pod.Metadata.OwnerReferences is { Count: > 0 } owners)
        {
            await events.WarningAsync(migration, ConditionReasons.OwnerReferencesNotCarried,
                $"the copy of pod {pod.Metadata.Name} will not carry its owner references ({string.Join(", ", owners.Select(o => $"{o.Kind}/{o.Name}"))}): its controller neither counts nor manages it, and may start a replacement of the original", cancellationToken);
        }

        status.Phase = MigrationPhase.Checkpointing;
        if (precopy)
        {
            status.PrecopyCheckpointName = created.Value.Metadata.Name;
            status.Message = $"checkpointing container {source.Value.ContainerName} of pod {pod.Metadata.Name} on node {pod.Spec.NodeName} while it runs (Checkpoint {status.PrecopyCheckpointName}), to transfer it before the final dump";
        }
        else
        {
            status.CheckpointName = created.Value.Metadata.Name;
            status.Message = $"stopping and checkpointing container {source.Value.ContainerName} of pod {pod.Metadata.Name} on node {pod.Spec.NodeName} (Checkpoint {status.CheckpointName})";
        }

        status.SetCondition(ConditionTypes.Checkpointed, ConditionStatus.Unknown, ConditionReasons.CheckpointStarted, status.Message, now);
        status.SetCondition(ConditionTypes.Ready, ConditionStatus.Unknown, ConditionReasons.CheckpointStarted, status.Message, now);
        await WriteAsync(migration, status, cancellationToken);
        await events.NormalAsync(migration, ConditionReasons.CheckpointCreated, status.Message, cancellationToken);
        return ReconcileResult.Done;
    }

    /// <summary>The container to move, or why it cannot be moved (a pod not running yet is waited for).</summary>
    private async Task<Found<RunningContainer>> SourceContainerAsync(Migration migration, CancellationToken cancellationToken)
    {
        var ns = migration.Metadata.NamespaceProperty;
        if (await resources.Pods.GetAsync(ns, migration.Spec.PodName, cancellationToken) is not { } pod)
        {
            return new Failure(ConditionReasons.PodNotFound, $"pod {ns}/{migration.Spec.PodName} does not exist");
        }

        if (pod.Spec.NodeName == migration.Spec.NodeName)
        {
            return new Failure(ConditionReasons.SameNode, $"pod {ns}/{pod.Metadata.Name} runs on node {pod.Spec.NodeName} already: name another node in spec.nodeName");
        }

        var container = PodInspector.FindRunningContainer(pod, migration.Spec.ContainerName);
        return container.Failure is { Reason: ConditionReasons.PodNotRunning or ConditionReasons.ContainerNotRunning } notYet
            ? notYet with { Terminal = false }
            : container;
    }

    /// <summary>A Checkpoint owned by the migration: the final one stops the container once committed (leaveRunning false).</summary>
    private async Task<Found<ApiCheckpoint>> EnsureCheckpointAsync(Migration migration, string name, CheckpointSpec spec, CancellationToken cancellationToken)
    {
        var ns = migration.Metadata.NamespaceProperty;
        try
        {
            return await resources.Checkpoints.CreateAsync(new ApiCheckpoint { Metadata = Owned(migration, name), Spec = spec }, cancellationToken);
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e))
        {
            var existing = await resources.Checkpoints.GetAsync(ns, name, cancellationToken);
            return existing is not null && Ownership.IsControlledBy(existing.Metadata, migration)
                ? existing
                : new Failure(ConditionReasons.CheckpointNameTaken, $"Checkpoint {ns}/{name} exists and was not created by this Migration; nothing was stopped");
        }
    }

    /// <summary>
    /// precopy: the live checkpoint is taken while the workload runs, then pulled to the target's agent (held beyond the
    /// pass, as a Restore's pull); once there, the final checkpoint, an increment of it, stops the container. A failure
    /// here has stopped nothing.
    /// </summary>
    private async Task<ReconcileResult> PrecopyAsync(Migration migration, MigrationStatus status, CancellationToken cancellationToken)
    {
        var live = await resources.Checkpoints.GetAsync(migration.Metadata.NamespaceProperty, status.PrecopyCheckpointName!, cancellationToken);
        if (live?.Status?.Phase is not Phase.Succeeded)
        {
            return await FollowCheckpointAsync(migration, status, live, status.PrecopyCheckpointName!, cancellationToken);
        }

        var key = new PullKey(status.TargetNode!, live.Metadata.NamespaceProperty, live.Metadata.Name, live.Metadata.Uid);
        RunningPull pull;
        try
        {
            pull = pulls.Find(key) ?? pulls.Start(key, await locator.LocateAsync(status.TargetNode!, cancellationToken), await locator.LocateAsync(status.SourceNode!, cancellationToken));
        }
        catch (AgentNotFoundException e)
        {
            return await FailAsync(migration, status, new Failure(ConditionReasons.AgentNotFound, $"{e.Message}; pod {migration.Spec.PodName} was left running"), ConditionTypes.Checkpointed, cancellationToken);
        }

        if (!pull.Completion.IsCompleted)
        {
            status.Phase = MigrationPhase.Transferring;
            status.Message = pull.Latest is { } progress
                ? $"transferring Checkpoint {live.Metadata.Name} to node {status.TargetNode} while pod {migration.Spec.PodName} runs: {progress.BytesVerified} of {progress.BytesTotal} bytes verified"
                : $"transferring Checkpoint {live.Metadata.Name} to node {status.TargetNode} while pod {migration.Spec.PodName} runs";
            await WriteAsync(migration, status, cancellationToken);
            return ReconcileResult.After(options.Value.TransferRecheckInterval);
        }

        if (pull.Completion.IsCompletedSuccessfully)
        {
            await copies.RecordPulledAsync(live, status.TargetNode!, await pull.Completion, cancellationToken);
        }

        pulls.Forget(pull);
        if (pull.Completion.Exception?.InnerException is { } failed)
        {
            return failed is AgentUnavailableException or AgentOperationFailedException { Code: Grpc.Core.StatusCode.Unavailable }
                ? ReconcileResult.Retry
                : await FailAsync(migration, status, new Failure(ConditionReasons.TransferFailed,
                    $"transferring Checkpoint {live.Metadata.Name} to node {status.TargetNode} failed, so pod {migration.Spec.PodName} was left running: {failed.Message}"), ConditionTypes.Checkpointed, cancellationToken);
        }

        var final = await EnsureCheckpointAsync(migration, MigrationNames.Checkpoint(migration), new CheckpointSpec
        {
            PodName = live.Spec.PodName, ContainerName = live.Spec.ContainerName, LeaveRunning = false, ParentCheckpoint = live.Metadata.Name,
        }, cancellationToken);
        if (final.Failure is { } taken)
        {
            return await FailAsync(migration, status, taken, ConditionTypes.Checkpointed, cancellationToken);
        }

        status.Timings ??= new MigrationTimings();
        status.Timings.PrecopyMilliseconds = live.Status.CompletionTime is { } committed ? (long)Math.Max(0, (Now - committed).TotalMilliseconds) + (live.Status.Timings?.TotalMilliseconds ?? 0) : null;
        status.CheckpointName = final.Value.Metadata.Name;
        status.Phase = MigrationPhase.Checkpointing;
        status.Message = $"Checkpoint {live.Metadata.Name} is on node {status.TargetNode}; stopping and checkpointing what changed since (Checkpoint {status.CheckpointName})";
        status.SetCondition(ConditionTypes.Checkpointed, ConditionStatus.Unknown, ConditionReasons.CheckpointStarted, status.Message, Now);
        await WriteAsync(migration, status, cancellationToken);
        return ReconcileResult.Done;
    }

    /// <summary>The Checkpoint is on its way, or failed: then the original still runs (a failed dump leaves it running).</summary>
    private async Task<ReconcileResult> FollowCheckpointAsync(Migration migration, MigrationStatus status, ApiCheckpoint? checkpoint, string name, CancellationToken cancellationToken)
    {
        if (checkpoint is null || checkpoint.Status?.Phase is Phase.Failed)
        {
            var why = checkpoint is null ? $"Checkpoint {name} was deleted" : checkpoint.Status!.Message;
            return await FailAsync(migration, status, new Failure(ConditionReasons.CheckpointFailed,
                $"checkpointing pod {migration.Spec.PodName} failed, so it was left running on node {status.SourceNode}: {why}"), ConditionTypes.Checkpointed, cancellationToken);
        }

        status.Phase = MigrationPhase.Checkpointing;
        await WriteAsync(migration, status, cancellationToken);
        return ReconcileResult.Done;
    }

    /// <summary>The final checkpoint is committed: restore it on the target node, into a new pod with the original's labels.</summary>
    private async Task<ReconcileResult> CreateRestoreAsync(Migration migration, MigrationStatus status, ApiCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var name = MigrationNames.Restore(migration);
        // Eager in both modes: a lazy copy still needs its page server once the original is deleted, so a server that died
        // would leave no copy at all; and the lazy restore of a precopy chain measured no faster than the eager one.
        var created = await EnsureRestoreAsync(migration, name, MigrationNames.TargetPod(migration, status.TargetNode!), status.TargetNode!, cancellationToken);
        if (created.Failure is { } taken)
        {
            return await RestoreInPlaceAsync(migration, status, taken.Message, cancellationToken);
        }

        status.RestoreName = name;
        status.TargetPod = MigrationNames.TargetPod(migration, status.TargetNode!);
        status.Phase = MigrationPhase.Transferring;
        status.Timings ??= new MigrationTimings();
        status.Timings.CheckpointingMilliseconds = checkpoint.Status?.Timings?.TotalMilliseconds;
        status.Message = $"restoring Checkpoint {checkpoint.Metadata.Name} on node {status.TargetNode} into pod {status.TargetPod} (Restore {name})";
        status.SetCondition(ConditionTypes.Checkpointed, ConditionStatus.True, ConditionReasons.CheckpointSucceeded,
            $"Checkpoint {checkpoint.Metadata.Name} committed on node {status.SourceNode}; pod {migration.Spec.PodName}'s container was stopped", Now);
        status.SetCondition(ConditionTypes.Restored, ConditionStatus.Unknown, ConditionReasons.RestoreStarted, status.Message, Now);
        await WriteAsync(migration, status, cancellationToken);
        return ReconcileResult.Done;
    }

    /// <summary>A Restore of the migration's Checkpoint into a new pod on <paramref name="node"/> with the original's labels.</summary>
    private async Task<Found<ApiRestore>> EnsureRestoreAsync(Migration migration, string name, string podName, string node, CancellationToken cancellationToken)
    {
        var ns = migration.Metadata.NamespaceProperty;
        var original = await resources.Pods.GetAsync(ns, migration.Spec.PodName, cancellationToken);
        var labels = original?.Metadata.Uid == migration.Status?.SourcePodUid ? original?.Metadata.Labels : null;
        var restore = NewRestore(migration, name, podName, node, migration.Status!.CheckpointName!, labels);
        try
        {
            return await resources.Restores.CreateAsync(restore, cancellationToken);
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e))
        {
            var existing = await resources.Restores.GetAsync(ns, name, cancellationToken);
            return existing is not null && Ownership.IsControlledBy(existing.Metadata, migration)
                ? existing
                : new Failure(ConditionReasons.PodNameTaken, $"Restore {ns}/{name} exists and was not created by this Migration");
        }
    }

    /// <summary>The Restore of <paramref name="checkpointName"/> into a new pod on <paramref name="node"/> with the original pod's <paramref name="labels"/>.</summary>
    private static ApiRestore NewRestore(Migration migration, string name, string podName, string node, string checkpointName, IDictionary<string, string>? labels) => new()
    {
        Metadata = Owned(migration, name),
        Spec = new RestoreSpec
        {
            CheckpointName = checkpointName,
            NewPod = new NewPodTarget { Name = podName, NodeName = node, Labels = labels is null ? null : new Dictionary<string, string>(labels) },
        },
    };

    /// <summary>
    /// Makes the copy's pod on the target node before the checkpoint, so that after the final dump the restore does not
    /// wait for the target's kubelet to start a pod (on a real node the largest part of a Restore's time to Ready): its
    /// start overlaps the dump and the transfer. It is the pod the Migration's Restore would make, owned by the Migration
    /// until that Restore takes it over, and its placeholder waits without a time limit; a Migration that fails before
    /// deletes it (<see cref="DiscardPreparedPodAsync"/>). Returns why the Migration must fail, before anything stopped:
    /// a pod of that name that is not the Migration's, or one the API server refuses.
    /// </summary>
    private async Task<Failure?> PrepareTargetPodAsync(Migration migration, MigrationStatus status, V1Pod original, string containerName, CancellationToken cancellationToken)
    {
        var ns = migration.Metadata.NamespaceProperty;
        var name = MigrationNames.TargetPod(migration, status.TargetNode!);
        var restore = NewRestore(migration, MigrationNames.Restore(migration), name, status.TargetNode!, MigrationNames.Checkpoint(migration), original.Metadata.Labels);
        var pod = PlaceholderPodBuilder.Build(restore, original.Spec, containerName, restore.Spec.CheckpointName, PlaceholderSource.From(options.Value));
        pod.Metadata.OwnerReferences = [Ownership.ControllerReference(migration)];
        PlaceholderPodBuilder.WaitForever(pod.Spec.Containers.First(c => c.Name == containerName));
        try
        {
            await resources.Pods.CreateAsync(pod, cancellationToken);
            await events.NormalAsync(migration, ConditionReasons.TargetPodPrepared,
                $"created pod {name} on node {status.TargetNode} before the checkpoint, so that the copy's restore does not wait for it to start", cancellationToken);
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e))
        {
            var existing = await resources.Pods.GetAsync(ns, name, cancellationToken);
            if (existing is null)
            {
                return null; // deleted meanwhile: the Restore makes one after the dump, as it does when none was prepared
            }

            if (!Ownership.IsControlledBy(existing.Metadata, migration))
            {
                return new Failure(ConditionReasons.PodNameTaken, $"pod {ns}/{name} exists and was not created by this Migration, so the copy has no pod to go to; pod {migration.Spec.PodName} was left running");
            }
        }
        catch (HttpOperationException e) when ((int)e.Response.StatusCode is >= 400 and < 500 and not 429)
        {
            return new Failure(ConditionReasons.CreateFailed,
                $"creating the copy's pod {name} on node {status.TargetNode} was refused: {ApiErrors.Message(e)}; pod {migration.Spec.PodName} was left running");
        }

        status.TargetPod = name;
        return null;
    }

    /// <summary>Deletes the pod <see cref="PrepareTargetPodAsync"/> made, unless a Restore took it over: no copy comes to it.</summary>
    private async Task DiscardPreparedPodAsync(Migration migration, MigrationStatus status, CancellationToken cancellationToken)
    {
        if (status.TargetNode is null)
        {
            return;
        }

        var name = MigrationNames.TargetPod(migration, status.TargetNode);
        if (await resources.Pods.GetAsync(migration.Metadata.NamespaceProperty, name, cancellationToken) is { } prepared
            && Ownership.IsControlledBy(prepared.Metadata, migration) && await resources.Pods.DeleteAsync(prepared, cancellationToken))
        {
            await events.NormalAsync(migration, ConditionReasons.TargetPodDeleted, $"deleted pod {name}, made in advance for a copy that will not come", cancellationToken);
        }
    }

    /// <summary>Follows the restore on the target: once the copy runs the original is deleted; if it fails, the copy comes back on the source node.</summary>
    private async Task<ReconcileResult> FollowRestoreAsync(Migration migration, MigrationStatus status, ApiCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var restore = await resources.Restores.GetAsync(migration.Metadata.NamespaceProperty, status.RestoreName!, cancellationToken);
        if (restore is not null && restore.Status?.Phase is null)
        {
            // Created by the last pass, not yet looked at by its own reconciler: nothing has failed. Its first status
            // write requeues this Migration.
            return ReconcileResult.Done;
        }

        switch (restore?.Status?.Phase)
        {
            case null or Phase.Failed:
                var why = restore is null ? $"Restore {status.RestoreName} was deleted" : restore.Status?.Message ?? "its Restore failed";
                return await RestoreInPlaceAsync(migration, status, why, cancellationToken);
            case Phase.Succeeded:
                await DeleteOriginalAsync(migration, status, cancellationToken);
                Measure(status, checkpoint, restore);
                status.Phase = MigrationPhase.Completed;
                status.CompletionTime = Now;
                status.Message = $"pod {migration.Spec.PodName} moved from node {status.SourceNode} to node {status.TargetNode} as pod {status.TargetPod}; it was down {status.DowntimeMilliseconds} ms";
                status.SetCondition(ConditionTypes.Restored, ConditionStatus.True, ConditionReasons.RestoreSucceeded, status.Message, Now);
                status.SetCondition(ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.Migrated, status.Message, Now);
                await WriteAsync(migration, status, cancellationToken);
                await events.NormalAsync(migration, ConditionReasons.Migrated, status.Message, cancellationToken);
                return ReconcileResult.Done;
            default:
                // Transferring while the pod starts and the target's agent pulls; Restoring once the pull is done.
                status.Phase = Conditions.Find(restore.Status.Conditions, ConditionTypes.Transferring) is { Status: ConditionStatus.False }
                    ? MigrationPhase.Restoring
                    : MigrationPhase.Transferring;
                status.Message = restore.Status.Message ?? status.Message;
                await WriteAsync(migration, status, cancellationToken);
                return ReconcileResult.Done;
        }
    }

    /// <summary>The restore on the target failed after the final dump: restore the checkpoint on the source node instead.</summary>
    private async Task<ReconcileResult> RestoreInPlaceAsync(Migration migration, MigrationStatus status, string why, CancellationToken cancellationToken)
    {
        await DiscardPreparedPodAsync(migration, status, cancellationToken);
        var name = MigrationNames.FallbackRestore(migration);
        var created = await EnsureRestoreAsync(migration, name, MigrationNames.FallbackPod(migration), status.SourceNode!, cancellationToken);
        if (created.Failure is { } taken)
        {
            return await FailAsync(migration, status, taken with
            {
                Message = $"restoring on node {status.TargetNode} failed ({why}) and so did restoring in place: {taken.Message}. Checkpoint {status.CheckpointName} is kept: restore it with a Restore of your own",
            }, ConditionTypes.Restored, cancellationToken);
        }

        status.FallbackRestoreName = name;
        status.TargetPod = MigrationNames.FallbackPod(migration);
        status.Phase = MigrationPhase.Restoring;
        status.Message = $"restoring on node {status.TargetNode} failed: {why}. Restoring Checkpoint {status.CheckpointName} on node {status.SourceNode} instead, into pod {status.TargetPod}";
        status.SetCondition(ConditionTypes.Restored, ConditionStatus.False, ConditionReasons.RestoringInPlace, status.Message, Now);
        await WriteAsync(migration, status, cancellationToken);
        await events.WarningAsync(migration, ConditionReasons.RestoringInPlace, status.Message, cancellationToken);
        return ReconcileResult.Done;
    }

    /// <summary>Follows the restore back on the source node; the migration Fails either way, with a running copy when it succeeded.</summary>
    private async Task<ReconcileResult> FollowFallbackAsync(Migration migration, MigrationStatus status, ApiCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var fallback = await resources.Restores.GetAsync(migration.Metadata.NamespaceProperty, status.FallbackRestoreName!, cancellationToken);
        if (fallback is not null && fallback.Status?.Phase is null)
        {
            // Not yet looked at by its own reconciler (see FollowRestoreAsync).
            return ReconcileResult.Done;
        }

        switch (fallback?.Status?.Phase)
        {
            case Phase.Succeeded:
                await DeleteOriginalAsync(migration, status, cancellationToken);
                return await FailAsync(migration, status, new Failure(ConditionReasons.RestoredInPlace,
                    $"pod {migration.Spec.PodName} was not moved: the restore on node {status.TargetNode} failed, and its checkpoint runs again on node {status.SourceNode} as pod {status.TargetPod}"),
                    ConditionTypes.Restored, cancellationToken);
            case null or Phase.Failed:
                return await FailAsync(migration, status, new Failure(ConditionReasons.RestoreFailed,
                    $"pod {migration.Spec.PodName} was not moved, and restoring its checkpoint on node {status.SourceNode} failed too: {fallback?.Status?.Message ?? "the Restore was deleted"}. Checkpoint {checkpoint.Metadata.Name} is kept: restore it with a Restore of your own"),
                    ConditionTypes.Restored, cancellationToken);
            default:
                return ReconcileResult.Done;
        }
    }

    /// <summary>Deletes the original pod (by UID: never a pod made under its name since) once a copy runs.</summary>
    private async Task DeleteOriginalAsync(Migration migration, MigrationStatus status, CancellationToken cancellationToken)
    {
        var original = await resources.Pods.GetAsync(migration.Metadata.NamespaceProperty, migration.Spec.PodName, cancellationToken);
        if (original is not null && original.Metadata.Uid == status.SourcePodUid && await resources.Pods.DeleteAsync(original, cancellationToken))
        {
            await events.NormalAsync(migration, ConditionReasons.SourcePodDeleted, $"deleted pod {original.Metadata.Name} on node {status.SourceNode}: its copy {status.TargetPod} runs", cancellationToken);
        }
    }

    /// <summary>
    /// Phase times and the downtime, from what the agents measured and the objects' timestamps: the workload stopped at
    /// the final dump (counted from the agent's start of it) and ran again when the restore completed.
    /// </summary>
    private static void Measure(MigrationStatus status, ApiCheckpoint checkpoint, ApiRestore restore)
    {
        var dump = checkpoint.Status?.Timings?.TotalMilliseconds ?? 0;
        var restoring = restore.Status?.Timings?.TotalMilliseconds ?? 0;
        var sinceCommit = checkpoint.Status?.CompletionTime is { } committed && restore.Status?.LastRestoreTime is { } running
            ? Math.Max(0, (long)(running - committed).TotalMilliseconds)
            : restoring;
        status.Timings ??= new MigrationTimings();
        status.Timings.CheckpointingMilliseconds = dump;
        status.Timings.RestoringMilliseconds = restoring;
        status.Timings.TransferringMilliseconds = Math.Max(0, sinceCommit - restoring);
        status.DowntimeMilliseconds = dump + Math.Max(sinceCommit, restoring);
    }

    private async Task<ReconcileResult> WaitAsync(Migration migration, MigrationStatus status, Failure failure, CancellationToken cancellationToken)
    {
        status.Phase = MigrationPhase.Pending;
        status.Message = $"{failure.Message}; waiting";
        status.SetCondition(ConditionTypes.Validated, ConditionStatus.False, failure.Reason, failure.Message, Now);
        await WriteAsync(migration, status, cancellationToken);
        return ReconcileResult.After(TimeSpan.FromSeconds(10));
    }

    private async Task<ReconcileResult> FailAsync(Migration migration, MigrationStatus status, Failure failure, string conditionType, CancellationToken cancellationToken)
    {
        await DiscardPreparedPodAsync(migration, status, cancellationToken);
        var now = Now;
        status.Phase = MigrationPhase.Failed;
        status.Message = failure.Message;
        status.CompletionTime = now;
        status.SetCondition(conditionType, ConditionStatus.False, failure.Reason, failure.Message, now);
        status.SetCondition(ConditionTypes.Ready, ConditionStatus.False, failure.Reason, failure.Message, now);
        await WriteAsync(migration, status, cancellationToken);
        await events.WarningAsync(migration, failure.Reason, failure.Message, cancellationToken);
        return ReconcileResult.Done;
    }

    private async Task WriteAsync(Migration migration, MigrationStatus status, CancellationToken cancellationToken) =>
        await StatusWriter.WriteAsync(resources.Migrations, migration, status, logger, cancellationToken);

    private static V1ObjectMeta Owned(Migration migration, string name) => new()
    {
        Name = name,
        NamespaceProperty = migration.Metadata.NamespaceProperty,
        Labels = new Dictionary<string, string> { [CryoNames.MigrationLabel] = migration.Metadata.Name },
        OwnerReferences = [Ownership.ControllerReference(migration)],
    };

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
}
