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

namespace Cryo.Operator.Checkpoints;

/// <summary>
/// The deletion of a Checkpoint: its images live outside the cluster, on the volume, so the agent that wrote them
/// deletes them before the finalizer <see cref="CryoNames.CheckpointImagesFinalizer"/> goes.
/// </summary>
public sealed class CheckpointFinalizer(
    CryoResources resources,
    IAgentLocator locator,
    IAgentClient agents,
    EventRecorder events,
    IOptions<OperatorOptions> options,
    ILogger<CheckpointFinalizer> logger)
{
    private readonly OperatorOptions settings = options.Value;

    /// <summary>Deletes the images, then removes the finalizer; retries while the agent cannot be reached.</summary>
    public async Task<ReconcileResult> FinalizeAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        if (checkpoint.Metadata.Finalizers?.Contains(CryoNames.CheckpointImagesFinalizer) != true)
        {
            return ReconcileResult.Done;
        }

        if (checkpoint.Status is { NodeName: { } node, Phase: Phase.Succeeded or Phase.Running } && !await DeleteImagesAsync(checkpoint, node, cancellationToken))
        {
            return ReconcileResult.Retry;
        }

        return await RemoveFinalizerAsync(checkpoint);
    }

    /// <summary>Asks the agent of <paramref name="node"/> to delete the images; false when it cannot be reached (yet).</summary>
    private async Task<bool> DeleteImagesAsync(Checkpoint checkpoint, string node, CancellationToken cancellationToken)
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
            return false;
        }
        catch (AgentOperationFailedException e)
        {
            // The agent refused for good (e.g. a name it cannot hold): keeping the finalizer would block deletion forever.
            await events.WarningAsync(checkpoint, ConditionReasons.AgentRejected, $"could not delete the images: {e.Message}", cancellationToken);
        }

        return true;
    }

    private async Task<ReconcileResult> RemoveFinalizerAsync(Checkpoint checkpoint)
    {
        try
        {
            await Finalizers.RemoveAsync(resources.Checkpoints, checkpoint, CryoNames.CheckpointImagesFinalizer);
            return ReconcileResult.Done;
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e) || ApiErrors.IsNotFound(e))
        {
            return ApiErrors.IsNotFound(e) ? ReconcileResult.Done : ReconcileResult.Continue;
        }
    }
}
