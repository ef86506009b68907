using Cryo.Api;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Agents;
using Cryo.Operator.Checkpoints;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using Cryo.Operator.Transfers;
using k8s.Models;
using Microsoft.Extensions.Options;
using ApiRestore = Cryo.Api.Restore;

namespace Cryo.Operator.Restores;

/// <summary>
/// A Restore on a node whose agent does not hold the Checkpoint: that agent pulls it from the agent of the node that
/// took it (<see cref="CheckpointPulls"/>), and the Restore shows the pull in its <see cref="ConditionTypes.Transferring"/>
/// condition, pass by pass, until it is pulled; the pass after that restores as any other. Each pass writes status
/// once. A pull that stops midway is retried with backoff (the agent resumes it); one that fails for good fails the
/// Restore, and the Checkpoint on its own node is untouched either way.
/// </summary>
public sealed class RestoreTransfer(
    CheckpointPulls pulls,
    CheckpointCopies copies,
    IAgentLocator locator,
    RestoreRecorder recorder,
    EventRecorder events,
    IOptions<OperatorOptions> options,
    TimeProvider clock)
{
    private readonly OperatorOptions settings = options.Value;

    /// <summary>The pull of <paramref name="checkpoint"/> to <paramref name="target"/>'s node, when one runs or ended unseen.</summary>
    public RunningPull? Find(Checkpoint checkpoint, RunningContainer target) => pulls.Find(KeyOf(checkpoint, target));

    /// <summary>
    /// Whether <paramref name="answer"/> says the target's agent lacks a Checkpoint that <paramref name="checkpoint"/>'s
    /// status places on another node: one a pull can fetch.
    /// </summary>
    public static bool CanPull(RestoreAnswer answer, Checkpoint checkpoint, RunningContainer target) =>
        answer is RestoreAnswer.Refused { Error: { Code: Grpc.Core.StatusCode.NotFound, Reason: ErrorReason.CheckpointNotFound } } &&
        checkpoint.Status?.NodeName is { Length: > 0 } holder && holder != target.NodeName;

    /// <summary>Starts the pull of <paramref name="checkpoint"/> from its node to <paramref name="target"/>'s, and says so.</summary>
    public async Task<ReconcileResult> StartAsync(ApiRestore restore, Checkpoint checkpoint, RunningContainer target, V1Pod pod, CancellationToken cancellationToken)
    {
        var sourceNode = checkpoint.Status!.NodeName!;
        AgentEndpoint targetAgent, sourceAgent;
        try
        {
            targetAgent = await locator.LocateAsync(target.NodeName, cancellationToken);
            sourceAgent = await locator.LocateAsync(sourceNode, cancellationToken);
        }
        catch (AgentNotFoundException e)
        {
            return await InterruptedAsync(restore, pod, ConditionReasons.AgentNotFound,
                $"Checkpoint {restore.Spec.CheckpointName} is on node {sourceNode}, not on node {target.NodeName}, and cannot be pulled: {e.Message}", cancellationToken);
        }

        var pull = pulls.Start(KeyOf(checkpoint, target), targetAgent, sourceAgent);
        await events.NormalAsync(restore, ConditionReasons.Pulling,
            $"pulling Checkpoint {restore.Spec.CheckpointName} from node {sourceNode} to node {target.NodeName}", cancellationToken);
        return await InFlightAsync(restore, pull, pod, cancellationToken);
    }

    /// <summary>One pass over a Restore waiting for <paramref name="pull"/>: its progress, or what came of it.</summary>
    public async Task<ReconcileResult> FollowAsync(ApiRestore restore, Checkpoint checkpoint, RunningPull pull, V1Pod pod, CancellationToken cancellationToken)
    {
        if (!pull.Completion.IsCompleted)
        {
            return await InFlightAsync(restore, pull, pod, cancellationToken);
        }

        if (pull.Completion.IsCompletedSuccessfully)
        {
            // Before the pull is forgotten: a pass that fails to record it is retried and records it then, and the
            // Checkpoint's deletion finds every copy to delete.
            await copies.RecordPulledAsync(checkpoint, pull.Key.TargetNode, await pull.Completion, cancellationToken);
        }

        pulls.Forget(pull);
        var route = $"Checkpoint {restore.Spec.CheckpointName} from node {pull.SourceNode} to node {pull.Key.TargetNode}";
        try
        {
            var result = await pull.Completion;
            var message = result.AlreadyPresent
                ? $"node {pull.Key.TargetNode} holds Checkpoint {restore.Spec.CheckpointName} already"
                : $"pulled {route}: {Size(result.BytesReceived)} received" + (result.BytesResumed > 0 ? $", {Size(result.BytesResumed)} kept from an interrupted pull" : "");
            var status = recorder.StatusFor(restore, pod);
            status.Phase = Phase.Running;
            status.Message = $"{message}; restoring";
            status.SetCondition(ConditionTypes.Transferring, ConditionStatus.False, ConditionReasons.Pulled, message, clock.GetUtcNow().UtcDateTime);
            if (await recorder.WriteAsync(restore, status, cancellationToken))
            {
                await events.NormalAsync(restore, ConditionReasons.Pulled, message, cancellationToken);
            }

            return ReconcileResult.Continue; // the next pass restores, from the node's own store now
        }
        catch (AgentUnavailableException e)
        {
            return await InterruptedAsync(restore, pod, ConditionReasons.TransferInterrupted, $"pulling {route} stopped: {e.Message}", cancellationToken);
        }
        catch (AgentOperationFailedException e) when (e.MaySucceedLater)
        {
            return await InterruptedAsync(restore, pod, ConditionReasons.TransferInterrupted, $"pulling {route} stopped: {e.Message}", cancellationToken);
        }
        catch (AgentOperationFailedException e)
        {
            var failure = new Failure(ConditionReasons.TransferFailed,
                $"pulling {route} failed; the Checkpoint on node {pull.SourceNode} is untouched. {RestoreRecorder.PodFate(restore, pod)} The agent answered: {e.Message}");
            return await recorder.NotRestoredAsync(restore, pod, ConditionReasons.RestoreFailed, failure, ConditionTypes.Transferring, cancellationToken);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The operator is stopping: the agent keeps what verified, and the next leader's pull resumes it.
            return ReconcileResult.Retry;
        }
    }

    private async Task<ReconcileResult> InFlightAsync(ApiRestore restore, RunningPull pull, V1Pod pod, CancellationToken cancellationToken)
    {
        var progress = pull.Latest is { } p ? $"{Size(p.BytesVerified)} of {Size(p.BytesTotal)} verified" : "starting";
        var message = $"pulling Checkpoint {restore.Spec.CheckpointName} from node {pull.SourceNode} to node {pull.Key.TargetNode}: {progress}";
        var now = clock.GetUtcNow().UtcDateTime;
        var status = recorder.StatusFor(restore, pod);
        status.Phase = Phase.Running;
        status.Message = message;
        status.SetCondition(ConditionTypes.Transferring, ConditionStatus.True, ConditionReasons.Pulling, message, now);
        status.SetCondition(ConditionTypes.Ready, ConditionStatus.Unknown, ConditionReasons.Pulling, message, now);
        await recorder.WriteAsync(restore, status, cancellationToken);
        return ReconcileResult.After(settings.TransferRecheckInterval);
    }

    /// <summary>The pull stopped, or could not start, for a while: say so and retry with backoff (the agent resumes from what verified).</summary>
    private async Task<ReconcileResult> InterruptedAsync(ApiRestore restore, V1Pod pod, string reason, string message, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var status = recorder.StatusFor(restore, pod);
        status.Phase = Phase.Running;
        status.Message = $"{message}; retrying with backoff";
        status.SetCondition(ConditionTypes.Transferring, ConditionStatus.False, reason, message, now);
        status.SetCondition(ConditionTypes.Ready, ConditionStatus.Unknown, reason, message, now);
        await recorder.WriteAsync(restore, status, cancellationToken);
        return ReconcileResult.Retry;
    }

    private static PullKey KeyOf(Checkpoint checkpoint, RunningContainer target) =>
        new(target.NodeName, checkpoint.Metadata.NamespaceProperty, checkpoint.Metadata.Name, checkpoint.Metadata.Uid);

    private static string Size(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.0} MiB" : $"{bytes} bytes";
}
