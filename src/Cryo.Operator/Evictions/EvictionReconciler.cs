using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Metrics;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Cryo.Operator.Evictions;

/// <summary>
/// Checkpoint before eviction: a pod annotated <see cref="CryoNames.CheckpointOnEvictionAnnotation"/> that gets a
/// deletionTimestamp (an eviction, a drain, a delete) while it has not ended gets one Checkpoint of its container, with
/// leaveRunning, and an Event saying so. The Checkpoint reconciler takes it from there, racing the pod's shutdown: what
/// is guaranteed is written in the README's "Checkpoint before eviction". Keys are pods (namespace/name).
/// </summary>
public sealed class EvictionReconciler(
    CryoResources resources,
    EventRecorder events,
    OperatorMetrics metrics,
    ILogger<EvictionReconciler> logger) : IReconciler
{
    /// <inheritdoc/>
    public string Kind => "Pod";

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var pod = await resources.Pods.GetAsync(key.Namespace, key.Name, cancellationToken);
        if (pod is null || pod.Metadata.DeletionTimestamp is null || !EvictionCheckpoints.IsRequested(pod))
        {
            return ReconcileResult.Done;
        }

        if (pod.Status?.Phase is "Succeeded" or "Failed")
        {
            // Nothing runs any more: there is no process tree to checkpoint.
            logger.LogDebug("pod {Namespace}/{Name} is being deleted after it ended ({Phase}); no checkpoint", key.Namespace, key.Name, pod.Status.Phase);
            return ReconcileResult.Done;
        }

        var name = EvictionCheckpoints.Name(pod);
        if (await resources.Checkpoints.GetAsync(key.Namespace, name, cancellationToken) is not null)
        {
            return ReconcileResult.Done; // taken by an earlier pass
        }

        return await CreateAsync(pod, cancellationToken);
    }

    /// <summary>Creates the Checkpoint (once: it is named after the pod's UID) and says so on the pod.</summary>
    private async Task<ReconcileResult> CreateAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var checkpoint = EvictionCheckpoints.Build(pod);
        try
        {
            await resources.Checkpoints.CreateAsync(checkpoint, cancellationToken);
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e))
        {
            return ReconcileResult.Done; // created meanwhile
        }

        metrics.CheckpointsCreated.WithLabels("eviction").Inc();
        var container = checkpoint.Spec.ContainerName is { } named ? $"container {named}" : "its container";
        var deadline = pod.Metadata.DeletionTimestamp is { } at ? $"; the pod's grace period ends at {at:yyyy-MM-dd'T'HH:mm:ss'Z'}" : "";
        await events.NormalAsync(pod, ConditionReasons.CheckpointOnEviction,
            $"the pod is being deleted: created Checkpoint {checkpoint.Metadata.Name} of {container}, leaving it running{deadline}", cancellationToken);
        logger.LogInformation("pod {Namespace}/{Name} is being deleted: created Checkpoint {Checkpoint}", pod.Metadata.NamespaceProperty, pod.Metadata.Name, checkpoint.Metadata.Name);
        return ReconcileResult.Done;
    }
}
