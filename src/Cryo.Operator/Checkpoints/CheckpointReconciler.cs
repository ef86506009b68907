using Cryo.Api;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Agents;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Metrics;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using Cryo.Operator.Retention;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ApiCheckpoint = Cryo.Api.Checkpoint;

namespace Cryo.Operator.Checkpoints;

/// <summary>
/// Drives a Checkpoint: validate, add the finalizer, record what is checkpointed (phase Running), call the
/// node's agent with the Checkpoint's UID as operation ID, record the result. On deletion the agent deletes
/// the images before the finalizer goes (<see cref="CheckpointFinalizer"/>). An imported Checkpoint (spec.import) is
/// <see cref="CheckpointImports"/>' to drive. A finished Checkpoint with
/// ttlSecondsAfterFinished is deleted once that time is up (<see cref="Expiry"/>). Each pass writes status at most once.
/// </summary>
public sealed class CheckpointReconciler(
    CryoResources resources,
    CheckpointValidator validator,
    CheckpointFinalizer finalizer,
    CheckpointImports imports,
    SupersededFlatCopies flatCopies,
    Expiry expiry,
    IAgentLocator locator,
    IAgentClient agents,
    EventRecorder events,
    StoreCapacityAlarm storeAlarm,
    OperatorMetrics metrics,
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
            return await finalizer.FinalizeAsync(checkpoint, cancellationToken);
        }

        if (checkpoint.Status?.Phase is Phase.Succeeded or Phase.Failed)
        {
            return await expiry.ExpireAsync(checkpoint, cancellationToken);
        }

        checkpoint = await Finalizers.EnsureAsync(checkpoints, checkpoint, CryoNames.CheckpointImagesFinalizer, cancellationToken);
        if (checkpoint.Spec.Import is { } import)
        {
            // Its images come from an archive, not from a pod: the pod it names need not exist.
            return await imports.ReconcileAsync(checkpoint, import, cancellationToken);
        }

        var target = await validator.ValidateAsync(checkpoint, cancellationToken);
        if (target.Failure is { } invalid)
        {
            return invalid.Terminal ? await FailAsync(checkpoint, invalid, cancellationToken) : await WaitAsync(checkpoint, invalid, cancellationToken);
        }

        return checkpoint.Status?.Phase == Phase.Running
            ? await DispatchToAgentAsync(checkpoint, target.Value, cancellationToken)
            : await StartAsync(checkpoint, target.Value, cancellationToken);
    }

    /// <summary>Records the pod, node, container and pod spec being checkpointed (phase Running) before any agent call.</summary>
    private async Task<ReconcileResult> StartAsync(ApiCheckpoint checkpoint, RunningContainer target, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var status = Draft(checkpoint);
        status.Phase = Phase.Running;
        status.NodeName = target.NodeName;
        status.PodUid = target.Pod.Metadata.Uid;
        status.ContainerId = target.ContainerId;
        status.PodSpec = target.Pod.Spec;
        status.StartTime ??= now;
        if (CheckpointParent.IsAuto(checkpoint))
        {
            status.Parent = await CheckpointParent.FindAutoAsync(resources, checkpoint, target, cancellationToken);
        }
        status.Message = $"checkpointing container {target.ContainerName} of pod {target.Pod.Metadata.Name} on node {target.NodeName}"
                         + ((CheckpointParent.IsAuto(checkpoint) ? status.Parent : checkpoint.Spec.ParentCheckpoint) is { } parent ? $" as an increment of {parent}" : "");
        status.SetCondition(ConditionTypes.Validated, ConditionStatus.True, ConditionReasons.Valid,
            $"container {target.ContainerName} of pod {target.Pod.Metadata.Name} runs on node {target.NodeName}", now);
        status.SetCondition(ConditionTypes.Ready, ConditionStatus.Unknown, ConditionReasons.CheckpointStarted, status.Message, now);
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
            var reason = CheckpointParent.Decided(checkpoint) is not null && e.Reason == ErrorReason.FeatureUnavailable
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
                // The agent stores none as empty, and refuses what it does not know (a value the CRD's enum let through).
                Compression = spec.Compression is null or CheckpointCompression.None ? "" : spec.Compression,
            },
            TimeoutSeconds = (uint)spec.EffectiveTimeoutSeconds,
            ParentCheckpoint = CheckpointParent.Decided(checkpoint) ?? "",
        };
    }

    private async Task<ReconcileResult> SucceedAsync(ApiCheckpoint checkpoint, RunningContainer target, CheckpointResult result, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var status = Draft(checkpoint);
        status.Phase = Phase.Succeeded;
        status.NodeName = string.IsNullOrEmpty(result.NodeName) ? target.NodeName : result.NodeName;
        status.Location = result.Location;
        status.SizeBytes = result.SizeBytes;
        // An agent of the previous release says nothing of increments: it stored what it holds.
        status.StoredBytes = result.StoredBytes > 0 ? result.StoredBytes : result.SizeBytes;
        status.Parent = string.IsNullOrEmpty(result.ParentCheckpoint) ? null : result.ParentCheckpoint;
        status.FlatCopyBytes = result.FlatCopyBytes > 0 ? result.FlatCopyBytes : null;
        status.ChainLength = Math.Max(1, result.ChainLength);
        status.Compression = string.IsNullOrEmpty(result.Compression) ? null : result.Compression;
        status.CriuVersion = result.CriuVersion;
        status.Timings = new Cryo.Api.CheckpointTimings
        {
            FreezeMilliseconds = result.Timings?.FreezeMs,
            DumpMilliseconds = result.Timings?.DumpMs,
            TotalMilliseconds = result.Timings?.TotalMs,
        };
        status.CompletionTime = now;
        status.Message = $"checkpoint of container {target.ContainerName} of pod {target.Pod.Metadata.Name} stored at {result.Location} ({result.SizeBytes} bytes"
                         + (status.Parent is { } parent ? $", {status.StoredBytes} of them stored as an increment of {parent}, chain of {status.ChainLength})" : ")");
        status.SetCondition(ConditionTypes.AgentReachable, ConditionStatus.True, ConditionReasons.AgentAnswered, $"the agent on node {status.NodeName} answered", now);
        status.SetCondition(ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.CheckpointSucceeded, status.Message, now);
        if (await StatusWriter.WriteAsync(checkpoints, checkpoint, status, logger, cancellationToken) is not null)
        {
            await events.NormalAsync(checkpoint, ConditionReasons.CheckpointSucceeded, status.Message, cancellationToken);
            metrics.CheckpointBytesStored.WithLabels(status.Parent is null ? "full" : "increment").Inc(status.StoredBytes.Value);
            metrics.CheckpointBytesSaved.Inc(Math.Max(0, result.SizeBytes - status.StoredBytes.Value));
            if (status.Parent is { } committedOn)
            {
                // The agent removed the flat copies of the chain's older increments as this one committed.
                await flatCopies.ClearAsync(checkpoint, committedOn, status.ChainLength.Value, cancellationToken);
            }
            logger.LogInformation("checkpoint {Namespace}/{Name} succeeded: {Location}, {SizeBytes} bytes",
                checkpoint.Metadata.NamespaceProperty, checkpoint.Metadata.Name, result.Location, result.SizeBytes);
            if (await storeAlarm.CheckAsync(checkpoint, status.NodeName, result.StoreSpace, cancellationToken) is { } warning)
            {
                logger.LogWarning("{Warning}", warning);
            }
        }

        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> FailAsync(ApiCheckpoint checkpoint, Failure failure, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var status = Draft(checkpoint);
        status.Phase = Phase.Failed;
        status.CompletionTime = now;
        status.Message = failure.Message;
        var validation = failure.Reason is not (ConditionReasons.CheckpointFailed or ConditionReasons.IncrementalNotSupported or ConditionReasons.PodChanged);
        if (validation)
        {
            status.SetCondition(ConditionTypes.Validated, ConditionStatus.False, failure.Reason, failure.Message, now);
        }

        status.SetCondition(ConditionTypes.Ready, ConditionStatus.False, failure.Reason, failure.Message, now);
        if (await StatusWriter.WriteAsync(checkpoints, checkpoint, status, logger, cancellationToken) is not null)
        {
            await events.WarningAsync(checkpoint, ConditionReasons.CheckpointFailed, $"{failure.Reason}: {failure.Message}", cancellationToken);
            logger.LogWarning("checkpoint {Namespace}/{Name} failed: {Reason}: {Message}",
                checkpoint.Metadata.NamespaceProperty, checkpoint.Metadata.Name, failure.Reason, failure.Message);
        }

        return ReconcileResult.Done;
    }

    /// <summary>Something the Checkpoint needs may still come (its parent has not succeeded yet): say so and retry with backoff.</summary>
    private async Task<ReconcileResult> WaitAsync(ApiCheckpoint checkpoint, Failure failure, CancellationToken cancellationToken)
    {
        var status = Draft(checkpoint);
        status.Phase ??= Phase.Pending;
        status.Message = failure.Message;
        status.SetCondition(ConditionTypes.Validated, ConditionStatus.False, failure.Reason, failure.Message, clock.GetUtcNow().UtcDateTime);
        await StatusWriter.WriteAsync(checkpoints, checkpoint, status, logger, cancellationToken);
        return ReconcileResult.Retry;
    }

    /// <summary>The agent is missing or unreachable: say so in a condition and retry with backoff.</summary>
    private async Task<ReconcileResult> AgentUnreachableAsync(ApiCheckpoint checkpoint, string reason, string message, CancellationToken cancellationToken)
    {
        var status = Draft(checkpoint);
        var wasReachable = Conditions.Find(status.Conditions, ConditionTypes.AgentReachable)?.Status != ConditionStatus.False;
        status.Message = $"{message}; retrying with backoff";
        status.SetCondition(ConditionTypes.AgentReachable, ConditionStatus.False, reason, message, clock.GetUtcNow().UtcDateTime);
        if (await StatusWriter.WriteAsync(checkpoints, checkpoint, status, logger, cancellationToken) is not null && wasReachable)
        {
            await events.WarningAsync(checkpoint, reason, message, cancellationToken);
        }

        return ReconcileResult.Retry;
    }

    private static CheckpointStatus Draft(ApiCheckpoint checkpoint) => StatusWriter.Draft(checkpoint, checkpoint.Status);
}
