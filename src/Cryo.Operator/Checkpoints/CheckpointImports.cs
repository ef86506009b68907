using Cryo.Api;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Agents;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using Grpc.Core;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ApiCheckpoint = Cryo.Api.Checkpoint;

namespace Cryo.Operator.Checkpoints;

/// <summary>
/// Drives an imported Checkpoint (spec.import): no pod is dumped; its images arrive as a checkpoint archive that
/// <c>kubectl cryo import</c> puts into the store of the agent on spec.import.nodeName. The operator records that it
/// waits (phase Running, so that deleting it meanwhile deletes whatever arrived), asks that agent for the checkpoint
/// made under the Checkpoint's UID, and records what it holds once it is there: size, the CRIU version, and a pod spec
/// of the image and container the archive names, so that Restores can build pods from it. No archive within
/// spec.timeoutSeconds fails it. The plugin's annotation (<see cref="CryoNames.ArchiveImportedAnnotation"/>) makes it
/// look at once; otherwise it looks again every <see cref="CheckInterval"/>.
/// </summary>
public sealed class CheckpointImports(
    CryoResources resources,
    IAgentLocator locator,
    IAgentClient agents,
    EventRecorder events,
    IOptions<OperatorOptions> options,
    TimeProvider clock,
    ILogger<CheckpointImports> logger)
{
    /// <summary>How often an imported Checkpoint still waiting for its archive is looked at again without an event.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(30);

    private readonly CustomResourceClient<ApiCheckpoint, CheckpointList> checkpoints = resources.Checkpoints;
    private readonly OperatorOptions settings = options.Value;

    /// <summary>One pass over an imported Checkpoint that has not finished.</summary>
    public async Task<ReconcileResult> ReconcileAsync(ApiCheckpoint checkpoint, CheckpointImport import, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(import);
        if (checkpoint.Status?.Phase != Phase.Running)
        {
            return await AwaitArchiveAsync(checkpoint, import, cancellationToken);
        }

        CheckpointDetails? details;
        try
        {
            var agent = await locator.LocateAsync(import.NodeName, cancellationToken);
            details = await agents.InspectCheckpointAsync(agent, new InspectCheckpointRequest
            {
                Checkpoint = new CheckpointRef { Namespace = checkpoint.Metadata.NamespaceProperty, Name = checkpoint.Metadata.Name },
            }, settings.ShortCallTimeout, cancellationToken);
        }
        catch (AgentOperationFailedException e) when (e.Code == StatusCode.NotFound)
        {
            details = null;
        }
        catch (Exception e) when (e is AgentNotFoundException or AgentUnavailableException)
        {
            logger.LogInformation("imported checkpoint {Namespace}/{Name}: the agent on node {Node} cannot be asked yet: {Message}",
                checkpoint.Metadata.NamespaceProperty, checkpoint.Metadata.Name, import.NodeName, e.Message);
            details = null;
        }

        if (details is not null)
        {
            return details.Summary.OperationId == checkpoint.Metadata.Uid
                ? await SucceedAsync(checkpoint, import, details, cancellationToken)
                : await FailAsync(checkpoint, ConditionReasons.CheckpointFailed,
                    $"the agent on node {import.NodeName} holds a checkpoint {checkpoint.Metadata.NamespaceProperty}/{checkpoint.Metadata.Name} made for another object " +
                    $"(UID {details.Summary.OperationId}, not this Checkpoint's {checkpoint.Metadata.Uid}); delete this Checkpoint and import under another name", cancellationToken);
        }

        var waited = clock.GetUtcNow().UtcDateTime - (checkpoint.Status.StartTime ?? clock.GetUtcNow().UtcDateTime);
        var timeout = TimeSpan.FromSeconds(checkpoint.Spec.EffectiveTimeoutSeconds);
        if (waited >= timeout)
        {
            return await FailAsync(checkpoint, ConditionReasons.ArchiveNotReceived,
                $"no checkpoint archive arrived on node {import.NodeName} within {checkpoint.Spec.EffectiveTimeoutSeconds} s (spec.timeoutSeconds); " +
                "import it with 'kubectl cryo import FILE.tar' into a new Checkpoint", cancellationToken);
        }

        return ReconcileResult.After(timeout - waited < CheckInterval ? timeout - waited : CheckInterval);
    }

    /// <summary>Records that the Checkpoint waits for its archive on the node (phase Running, before any agent call).</summary>
    private async Task<ReconcileResult> AwaitArchiveAsync(ApiCheckpoint checkpoint, CheckpointImport import, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var status = Draft(checkpoint);
        status.Phase = Phase.Running;
        status.NodeName = import.NodeName;
        status.StartTime ??= now;
        status.Message = $"waiting for the checkpoint archive to arrive in the store of the agent on node {import.NodeName} (kubectl cryo import)";
        status.SetCondition(ConditionTypes.Validated, ConditionStatus.True, ConditionReasons.Valid, $"imported into node {import.NodeName}", now);
        status.SetCondition(ConditionTypes.Ready, ConditionStatus.Unknown, ConditionReasons.AwaitingArchive, status.Message, now);
        if (await StatusWriter.WriteAsync(checkpoints, checkpoint, status, logger, cancellationToken) is null)
        {
            return ReconcileResult.Done;
        }

        await events.NormalAsync(checkpoint, ConditionReasons.AwaitingArchive, status.Message, cancellationToken);
        return ReconcileResult.Continue;
    }

    private async Task<ReconcileResult> SucceedAsync(ApiCheckpoint checkpoint, CheckpointImport import, CheckpointDetails details, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var summary = details.Summary;
        var status = Draft(checkpoint);
        status.Phase = Phase.Succeeded;
        status.NodeName = string.IsNullOrEmpty(summary.NodeName) ? import.NodeName : summary.NodeName;
        status.Location = summary.Location;
        status.SizeBytes = summary.SizeBytes;
        status.StoredBytes = summary.StoredBytes > 0 ? summary.StoredBytes : summary.SizeBytes;
        status.ChainLength = 1;
        status.CriuVersion = summary.CriuVersion;
        status.PodSpec = PodSpecOf(summary.Pod);
        status.CompletionTime = now;
        status.Message = $"imported from a checkpoint archive into node {status.NodeName}: {summary.ProcessCount} processes, {summary.SizeBytes} bytes at {summary.Location}" +
                         (status.PodSpec is null ? "; the archive names no image, so Restores need an existingPod target" : $", image {summary.Pod.Image}");
        status.SetCondition(ConditionTypes.AgentReachable, ConditionStatus.True, ConditionReasons.AgentAnswered, $"the agent on node {status.NodeName} answered", now);
        status.SetCondition(ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.CheckpointImported, status.Message, now);
        if (await StatusWriter.WriteAsync(checkpoints, checkpoint, status, logger, cancellationToken) is not null)
        {
            await events.NormalAsync(checkpoint, ConditionReasons.CheckpointImported, status.Message, cancellationToken);
        }

        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> FailAsync(ApiCheckpoint checkpoint, string reason, string message, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var status = Draft(checkpoint);
        status.Phase = Phase.Failed;
        status.CompletionTime = now;
        status.Message = message;
        status.SetCondition(ConditionTypes.Ready, ConditionStatus.False, reason, message, now);
        if (await StatusWriter.WriteAsync(checkpoints, checkpoint, status, logger, cancellationToken) is not null)
        {
            await events.WarningAsync(checkpoint, reason, message, cancellationToken);
        }

        return ReconcileResult.Done;
    }

    /// <summary>A pod of the archive's container and image, what a newPod Restore builds on; null without an image.</summary>
    private static V1PodSpec? PodSpecOf(PodMetadata pod) =>
        string.IsNullOrEmpty(pod.Image)
            ? null
            : new V1PodSpec { Containers = [new V1Container { Name = string.IsNullOrEmpty(pod.ContainerName) ? "app" : pod.ContainerName, Image = pod.Image }] };

    private static CheckpointStatus Draft(ApiCheckpoint checkpoint) => StatusWriter.Draft(checkpoint, checkpoint.Status);
}
