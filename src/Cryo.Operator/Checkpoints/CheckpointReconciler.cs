using Cryo.Api;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Agents;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ApiCheckpoint = Cryo.Api.Checkpoint;

namespace Cryo.Operator.Checkpoints;

/// <summary>
/// Drives a Checkpoint: validate, add the finalizer, record what is checkpointed (phase Running), call the
/// node's agent with the Checkpoint's UID as operation ID, record the result. On deletion the agent deletes
/// the images before the finalizer goes. Each pass writes status at most once.
/// </summary>
public sealed class CheckpointReconciler(
    CryoResources resources,
    IAgentLocator locator,
    IAgentClient agents,
    EventRecorder events,
    IOptions<OperatorOptions> options,
    TimeProvider clock,
    ILogger<CheckpointReconciler> logger) : IReconciler
{
    private readonly CustomResourceClient<ApiCheckpoint, CheckpointList> checkpoints = resources.Checkpoints;
    private readonly OperatorOptions settings = options.Value;

    /// <inheritdoc/>
    public string Kind => ApiCheckpoint.KindName;

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var checkpoint = await checkpoints.GetAsync(key.Namespace, key.Name, cancellationToken);
        if (checkpoint is null)
        {
            return ReconcileResult.Done;
        }

        if (checkpoint.Metadata.DeletionTimestamp is not null)
        {
            return await FinalizeAsync(checkpoint, cancellationToken);
        }

        if (checkpoint.Status?.Phase is Phase.Succeeded or Phase.Failed)
        {
            return ReconcileResult.Done;
        }

        checkpoint = await Finalizers.EnsureAsync(checkpoints, checkpoint, CryoNames.CheckpointImagesFinalizer, cancellationToken);
        var (target, failure) = await ValidateAsync(checkpoint, cancellationToken);
        if (failure is not null)
        {
            return failure.Terminal ? await FailAsync(checkpoint, failure, cancellationToken) : await WaitAsync(checkpoint, failure, cancellationToken);
        }

        if (checkpoint.Status?.Phase != Phase.Running)
        {
            return await StartAsync(checkpoint, target!, cancellationToken);
        }

        return await DispatchToAgentAsync(checkpoint, target!, cancellationToken);
    }

    /// <summary>The pod must be in our namespace, be the one recorded (same UID), run, and have the container running.</summary>
    private async Task<(RunningContainer? Target, Failure? Failure)> ValidateAsync(ApiCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var ns = checkpoint.Metadata.NamespaceProperty;
        var spec = checkpoint.Spec;
        if (spec.PodNamespace is { } podNs && podNs != ns)
        {
            return (null, new Failure(ConditionReasons.PodInOtherNamespace,
                $"pod {podNs}/{spec.PodName} is in another namespace; a Checkpoint in {ns} may only name a pod in {ns}"));
        }

        var pod = await resources.Pods.GetAsync(ns, spec.PodName, cancellationToken);
        var recordedUid = checkpoint.Status?.PodUid;
        if (pod is null)
        {
            return recordedUid is null
                ? (null, new Failure(ConditionReasons.PodNotFound, $"pod {ns}/{spec.PodName} does not exist"))
                : (null, new Failure(ConditionReasons.PodChanged, $"pod {ns}/{spec.PodName} (UID {recordedUid}) was deleted"));
        }

        if (recordedUid is not null && pod.Metadata.Uid != recordedUid)
        {
            return (null, new Failure(ConditionReasons.PodChanged,
                $"pod {ns}/{spec.PodName} was replaced: UID {pod.Metadata.Uid}, checkpointing began on UID {recordedUid}"));
        }

        var found = PodInspector.FindRunningContainer(pod, spec.ContainerName);
        if (found.Failure is { } failure)
        {
            return (null, failure);
        }

        var target = found.Value;

        if (checkpoint.Status?.ContainerId is { } recordedContainer && recordedContainer != target.ContainerId)
        {
            return (null, new Failure(ConditionReasons.PodChanged,
                $"container {target.ContainerName} of pod {ns}/{spec.PodName} restarted ({recordedContainer} became {target.ContainerId})"));
        }

        return spec.ParentCheckpoint is { } parent ? (target, await ValidateParentAsync(ns, parent, target, cancellationToken)) : (target, null);
    }

    /// <summary>
    /// The parent must have Succeeded, and be of the same processes: the container being checkpointed, as it
    /// runs now (same pod UID, same container ID). A chain stores only the memory changed since the parent.
    /// </summary>
    private async Task<Failure?> ValidateParentAsync(string ns, string parentName, RunningContainer target, CancellationToken cancellationToken)
    {
        var parent = await checkpoints.GetAsync(ns, parentName, cancellationToken);
        var notReady = parent?.Status?.Phase switch
        {
            null when parent is null => new Failure(ConditionReasons.ParentNotReady, $"parent Checkpoint {ns}/{parentName} does not exist"),
            Phase.Succeeded => null,
            Phase.Failed => new Failure(ConditionReasons.ParentNotReady, $"parent Checkpoint {ns}/{parentName} failed"),
            _ => new Failure(ConditionReasons.ParentNotReady, $"parent Checkpoint {ns}/{parentName} has not succeeded yet", Terminal: false),
        };
        if (notReady is not null)
        {
            return notReady;
        }

        var recorded = parent!.Status!;
        return recorded.PodUid == target.Pod.Metadata.Uid && recorded.ContainerId == target.ContainerId
            ? null
            : new Failure(ConditionReasons.ParentMismatch,
                $"parent Checkpoint {ns}/{parentName} is of pod {ns}/{parent.Spec.PodName} (UID {recorded.PodUid}, container {recorded.ContainerId}), " +
                $"not of container {target.ContainerName} of pod {ns}/{target.Pod.Metadata.Name} as it runs now (UID {target.Pod.Metadata.Uid}, container {target.ContainerId}): " +
                "an incremental checkpoint builds on a checkpoint of the same processes");
    }

    /// <summary>Records the pod, node, container and pod spec being checkpointed (phase Running) before any agent call.</summary>
    private async Task<ReconcileResult> StartAsync(ApiCheckpoint checkpoint, RunningContainer target, CancellationToken cancellationToken)
    {
        var now = Now();
        var status = StatusWriter.Draft(checkpoint, checkpoint.Status);
        status.Phase = Phase.Running;
        status.NodeName = target.NodeName;
        status.PodUid = target.Pod.Metadata.Uid;
        status.ContainerId = target.ContainerId;
        status.PodSpec = target.Pod.Spec;
        status.StartTime ??= now;
        status.Message = $"checkpointing container {target.ContainerName} of pod {target.Pod.Metadata.Name} on node {target.NodeName}";
        SetCondition(status, checkpoint, ConditionTypes.Validated, ConditionStatus.True, ConditionReasons.Valid, $"container {target.ContainerName} of pod {target.Pod.Metadata.Name} runs on node {target.NodeName}");
        SetCondition(status, checkpoint, ConditionTypes.Ready, ConditionStatus.Unknown, ConditionReasons.CheckpointStarted, status.Message);
        if (await StatusWriter.WriteAsync(checkpoints, checkpoint, status, logger, cancellationToken) is null)
        {
            return ReconcileResult.Done;
        }

        await events.NormalAsync(checkpoint, ConditionReasons.CheckpointStarted, status.Message, cancellationToken);
        return ReconcileResult.Continue;
    }

    /// <summary>Calls the agent on the pod's node; repeated calls carry the same operation ID, so the agent dumps once.</summary>
    private async Task<ReconcileResult> DispatchToAgentAsync(ApiCheckpoint checkpoint, RunningContainer target, CancellationToken cancellationToken)
    {
        CheckpointResult result;
        try
        {
            var agent = await locator.LocateAsync(target.NodeName, cancellationToken);
            var timeout = TimeSpan.FromSeconds(checkpoint.Spec.EffectiveTimeoutSeconds) + settings.AgentDeadlineMargin;
            result = await agents.CheckpointAsync(agent, BuildRequest(checkpoint, target), timeout, cancellationToken);
        }
        catch (AgentNotFoundException e)
        {
            return await AgentUnreachableAsync(checkpoint, ConditionReasons.AgentNotFound, e.Message, cancellationToken);
        }
        catch (AgentUnavailableException e)
        {
            return await AgentUnreachableAsync(checkpoint, ConditionReasons.AgentUnavailable, e.Message, cancellationToken);
        }
        catch (AgentOperationFailedException e)
        {
            var reason = checkpoint.Spec.ParentCheckpoint is not null && e.Reason == ErrorReason.FeatureUnavailable
                ? ConditionReasons.IncrementalNotSupported
                : ConditionReasons.CheckpointFailed;
            return await FailAsync(checkpoint, new Failure(reason, e.Message), cancellationToken);
        }

        return await SucceedAsync(checkpoint, target, result, cancellationToken);
    }

    private static CheckpointRequest BuildRequest(ApiCheckpoint checkpoint, RunningContainer target)
    {
        var spec = checkpoint.Spec;
        return new CheckpointRequest
        {
            OperationId = checkpoint.Metadata.Uid,
            Namespace = checkpoint.Metadata.NamespaceProperty,
            Name = checkpoint.Metadata.Name,
            ContainerId = target.RuntimeId,
            Pod = new PodMetadata
            {
                PodName = target.Pod.Metadata.Name,
                PodUid = target.Pod.Metadata.Uid,
                ContainerName = target.ContainerName,
                Image = target.Pod.Spec.Containers.First(c => c.Name == target.ContainerName).Image ?? "",
            },
            Options = new CheckpointOptions
            {
                LeaveRunning = spec.EffectiveLeaveRunning,
                TcpEstablished = spec.TcpEstablished ?? false,
                FileLocks = spec.FileLocks ?? false,
                SkipRootFilesystem = spec.SkipRootFilesystem ?? false,
            },
            TimeoutSeconds = (uint)spec.EffectiveTimeoutSeconds,
            ParentCheckpoint = spec.ParentCheckpoint ?? "",
        };
    }

    private async Task<ReconcileResult> SucceedAsync(ApiCheckpoint checkpoint, RunningContainer target, CheckpointResult result, CancellationToken cancellationToken)
    {
        var status = StatusWriter.Draft(checkpoint, checkpoint.Status);
        status.Phase = Phase.Succeeded;
        status.NodeName = string.IsNullOrEmpty(result.NodeName) ? target.NodeName : result.NodeName;
        status.Location = result.Location;
        status.SizeBytes = result.SizeBytes;
        status.CriuVersion = result.CriuVersion;
        status.Timings = new Cryo.Api.CheckpointTimings
        {
            FreezeMilliseconds = result.Timings?.FreezeMs,
            DumpMilliseconds = result.Timings?.DumpMs,
            TotalMilliseconds = result.Timings?.TotalMs,
        };
        status.CompletionTime = Now();
        status.Message = $"checkpoint of container {target.ContainerName} of pod {target.Pod.Metadata.Name} stored at {result.Location} ({result.SizeBytes} bytes)";
        SetCondition(status, checkpoint, ConditionTypes.AgentReachable, ConditionStatus.True, ConditionReasons.AgentAnswered, $"the agent on node {status.NodeName} answered");
        SetCondition(status, checkpoint, ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.CheckpointSucceeded, status.Message);
        if (await StatusWriter.WriteAsync(checkpoints, checkpoint, status, logger, cancellationToken) is not null)
        {
            await events.NormalAsync(checkpoint, ConditionReasons.CheckpointSucceeded, status.Message, cancellationToken);
            logger.LogInformation("checkpoint {Namespace}/{Name} succeeded: {Location}, {SizeBytes} bytes",
                checkpoint.Metadata.NamespaceProperty, checkpoint.Metadata.Name, result.Location, result.SizeBytes);
        }

        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> FailAsync(ApiCheckpoint checkpoint, Failure failure, CancellationToken cancellationToken)
    {
        var status = StatusWriter.Draft(checkpoint, checkpoint.Status);
        status.Phase = Phase.Failed;
        status.CompletionTime = Now();
        status.Message = failure.Message;
        var validation = failure.Reason is not (ConditionReasons.CheckpointFailed or ConditionReasons.IncrementalNotSupported or ConditionReasons.PodChanged);
        if (validation)
        {
            SetCondition(status, checkpoint, ConditionTypes.Validated, ConditionStatus.False, failure.Reason, failure.Message);
        }

        SetCondition(status, checkpoint, ConditionTypes.Ready, ConditionStatus.False, failure.Reason, failure.Message);
        if (await StatusWriter.WriteAsync(checkpoints, checkpoint, status, logger, cancellationToken) is not null)
        {
            await events.WarningAsync(checkpoint, ConditionReasons.CheckpointFailed, $"{failure.Reason}: {failure.Message}", cancellationToken);
            logger.LogWarning("checkpoint {Namespace}/{Name} failed: {Reason}: {Message}",
                checkpoint.Metadata.NamespaceProperty, checkpoint.Metadata.Name, failure.Reason, failure.Message);
        }

        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> WaitAsync(ApiCheckpoint checkpoint, Failure failure, CancellationToken cancellationToken)
    {
        var status = StatusWriter.Draft(checkpoint, checkpoint.Status);
        status.Phase ??= Phase.Pending;
        status.Message = failure.Message;
        SetCondition(status, checkpoint, ConditionTypes.Validated, ConditionStatus.False, failure.Reason, failure.Message);
        await StatusWriter.WriteAsync(checkpoints, checkpoint, status, logger, cancellationToken);
        return ReconcileResult.Retry;
    }

    /// <summary>The agent is missing or unreachable: say so in a condition and retry with backoff.</summary>
    private async Task<ReconcileResult> AgentUnreachableAsync(ApiCheckpoint checkpoint, string reason, string message, CancellationToken cancellationToken)
    {
        var status = StatusWriter.Draft(checkpoint, checkpoint.Status);
        var wasReachable = Conditions.Find(status.Conditions, ConditionTypes.AgentReachable)?.Status != ConditionStatus.False;
        status.Message = $"{message}; retrying with backoff";
        SetCondition(status, checkpoint, ConditionTypes.AgentReachable, ConditionStatus.False, reason, message);
        if (await StatusWriter.WriteAsync(checkpoints, checkpoint, status, logger, cancellationToken) is not null && wasReachable)
        {
            await events.WarningAsync(checkpoint, reason, message, cancellationToken);
        }

        return ReconcileResult.Retry;
    }

    /// <summary>Deletion: the agent deletes the images (they live outside the cluster), then the finalizer goes.</summary>
    private async Task<ReconcileResult> FinalizeAsync(ApiCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        if (checkpoint.Metadata.Finalizers?.Contains(CryoNames.CheckpointImagesFinalizer) != true)
        {
            return ReconcileResult.Done;
        }

        if (checkpoint.Status is { NodeName: { } node, Phase: Phase.Succeeded or Phase.Running })
        {
            try
            {
                var agent = await locator.LocateAsync(node, cancellationToken);
                var request = new DeleteCheckpointRequest
                {
                    Checkpoint = new CheckpointRef { Namespace = checkpoint.Metadata.NamespaceProperty, Name = checkpoint.Metadata.Name },
                };
                var deleted = await agents.DeleteCheckpointAsync(agent, request, settings.ShortCallTimeout, cancellationToken);
                await events.NormalAsync(checkpoint, ConditionReasons.ImagesDeleted,
                    deleted.Deleted ? $"deleted the images on node {node} ({deleted.FreedBytes} bytes freed)" : $"no images were left on node {node}", cancellationToken);
            }
            catch (Exception e) when (e is AgentNotFoundException or AgentUnavailableException)
            {
                logger.LogWarning("cannot delete the images of {Namespace}/{Name} yet: {Message}", checkpoint.Metadata.NamespaceProperty, checkpoint.Metadata.Name, e.Message);
                return ReconcileResult.Retry;
            }
            catch (AgentOperationFailedException e)
            {
                // The agent refused for good (e.g. a name it cannot hold): keeping the finalizer would block deletion forever.
                await events.WarningAsync(checkpoint, ConditionReasons.AgentRejected, $"could not delete the images: {e.Message}", cancellationToken);
            }
        }

        try
        {
            await Finalizers.RemoveAsync(checkpoints, checkpoint, CryoNames.CheckpointImagesFinalizer);
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e) || ApiErrors.IsNotFound(e))
        {
            return ApiErrors.IsNotFound(e) ? ReconcileResult.Done : ReconcileResult.Continue;
        }

        return ReconcileResult.Done;
    }

    private void SetCondition(CheckpointStatus status, ApiCheckpoint checkpoint, string type, string value, string reason, string message) =>
        status.SetCondition(type, value, reason, message, Now());

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;
}
