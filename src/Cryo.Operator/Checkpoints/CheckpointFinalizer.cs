using Cryo.Api;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Agents;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cryo.Operator.Checkpoints;

/// <summary>
/// The deletion of a Checkpoint: its images live outside the cluster, on the volume, so the agent that wrote them
/// deletes them before the finalizer <see cref="CryoNames.CheckpointImagesFinalizer"/> goes. A parent cannot disappear
/// under its increments, whose images read its pages: while Checkpoints build on it (or the agent says images do),
/// the deletion waits, with the condition <see cref="ConditionTypes.DeletionBlocked"/> naming them, and goes on once
/// they are deleted. (Merging a parent's pages into its children instead would rewrite committed, checksummed
/// checkpoints; waiting keeps every committed checkpoint as it was verified.)
/// With per-node storage the agents that pulled a copy (<see cref="CheckpointStatus.Copies"/>) delete theirs first, by the
/// same rule: a node that is gone is passed over (its store went with it), and a node whose agent does not answer
/// for <see cref="OperatorOptions.CopyDeletionPatience"/> is skipped with a Warning Event, rather than holding the
/// Checkpoint forever.
/// </summary>
public sealed class CheckpointFinalizer(
    IKubernetes client,
    CryoResources resources,
    IAgentLocator locator,
    IAgentClient agents,
    EventRecorder events,
    IOptions<OperatorOptions> options,
    TimeProvider clock,
    ILogger<CheckpointFinalizer> logger)
{
    /// <summary>How often a deletion held by increments looks again (their own deletions do not wake it).</summary>
    internal static readonly TimeSpan ChildrenPollInterval = TimeSpan.FromSeconds(10);

    private readonly OperatorOptions settings = options.Value;

    /// <summary>Deletes the images, then removes the finalizer; retries while the agent cannot be reached.</summary>
    public async Task<ReconcileResult> FinalizeAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        if (checkpoint.Metadata.Finalizers?.Contains(CryoNames.CheckpointImagesFinalizer) != true)
        {
            return ReconcileResult.Done;
        }

        if (await ChildrenAsync(checkpoint, cancellationToken) is { Count: > 0 } children)
        {
            return await WaitForChildrenAsync(checkpoint, $"Checkpoints {string.Join(", ", children)} build on it", cancellationToken);
        }

        if (checkpoint.Status?.Copies is { Count: > 0 } && await DeleteCopiesAsync(checkpoint, cancellationToken) is { } waiting)
        {
            return waiting;
        }

        if (checkpoint.Status is { NodeName: { } node, Phase: Phase.Succeeded or Phase.Running })
        {
            var deletion = await DeleteImagesAsync(checkpoint, node, cancellationToken);
            if (deletion is Deletion.NotReached)
            {
                return ReconcileResult.Retry;
            }

            if (deletion is Deletion.HeldByImages held)
            {
                return await WaitForChildrenAsync(checkpoint, held.Why, cancellationToken);
            }
        }

        return await RemoveFinalizerAsync(checkpoint);
    }

    /// <summary>The Checkpoints of the namespace that build on this one (being deleted or not: they go first).</summary>
    private async Task<List<string>> ChildrenAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        var name = checkpoint.Metadata.Name;
        return [.. (await resources.Checkpoints.ListAsync(checkpoint.Metadata.NamespaceProperty, cancellationToken)).Items
            .Where(c => c.Metadata.Name != name && (c.Status?.Parent ?? (CheckpointParent.IsAuto(c) ? null : c.Spec.ParentCheckpoint)) == name)
            .Select(c => c.Metadata.Name)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Deletes the pulled copies; null once none is left to wait for. While some wait, those deleted (or passed over)
    /// leave <see cref="CheckpointStatus.Copies"/>, so a retry asks only the rest, and the condition
    /// <see cref="ConditionTypes.CopiesDeleted"/> (False) says which still wait, since when.
    /// </summary>
    private async Task<ReconcileResult?> DeleteCopiesAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        var copies = checkpoint.Status!.Copies!;
        var now = clock.GetUtcNow().UtcDateTime;
        var waitingSince = Conditions.Find(checkpoint.Status.Conditions, ConditionTypes.CopiesDeleted) is { Status: ConditionStatus.False, LastTransitionTime: { } since } ? since : now;
        var left = new List<string>();
        var unreachable = new List<string>();
        foreach (var node in copies)
        {
            switch (await DeleteImagesAsync(checkpoint, node, cancellationToken))
            {
                case Deletion.HeldByImages held:
                    return await WaitForChildrenAsync(checkpoint, held.Why, cancellationToken);
                case Deletion.NotReached missed when !await NodeExistsAsync(node, cancellationToken):
                    await events.WarningAsync(checkpoint, ConditionReasons.NodeGone,
                        $"node {node} is gone, and its copy of the images with it: nothing to delete there ({missed.Why})", cancellationToken);
                    break;
                case Deletion.NotReached missed when now - waitingSince >= settings.CopyDeletionPatience:
                    await events.WarningAsync(checkpoint, ConditionReasons.CopySkipped,
                        $"the copy on node {node} was not deleted: its agent has not answered for {settings.CopyDeletionPatience} ({missed.Why}); " +
                        $"delete the checkpoint's directory from that node's store by hand", cancellationToken);
                    break;
                case Deletion.NotReached missed:
                    left.Add(node);
                    unreachable.Add($"node {node}: {missed.Why}");
                    break;
            }
        }

        if (left.Count == 0)
        {
            // No status write: the finalizer goes in this pass, and a pass cut short deletes again (the agents answer
            // "no images were left").
            return null;
        }

        var status = StatusWriter.Draft(checkpoint, checkpoint.Status);
        status.Copies = left;
        var message = $"deletion waits for the agents of the nodes holding a copy ({string.Join("; ", unreachable)}); " +
                      $"a node whose agent does not answer within {settings.CopyDeletionPatience} is skipped";
        status.SetCondition(ConditionTypes.CopiesDeleted, ConditionStatus.False, ConditionReasons.AgentUnavailable, message, now);
        await StatusWriter.WriteAsync(resources.Checkpoints, checkpoint, status, logger, cancellationToken);
        return ReconcileResult.Retry;
    }

    /// <summary>Whether the cluster still has node <paramref name="node"/> (listed: the operator's role lists nodes, for Migrations).</summary>
    private async Task<bool> NodeExistsAsync(string node, CancellationToken cancellationToken) =>
        (await client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken)).Items.Any(n => n.Metadata.Name == node);

    /// <summary>Says why the deletion waits (once per change of reason), and looks again later.</summary>
    private async Task<ReconcileResult> WaitForChildrenAsync(Checkpoint checkpoint, string why, CancellationToken cancellationToken)
    {
        var message = $"deletion waits: {why}, and an increment's images read its parent's pages; delete them first";
        var current = checkpoint.Status?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.DeletionBlocked);
        if (current?.Message != message)
        {
            var status = StatusWriter.Draft(checkpoint, checkpoint.Status);
            status.SetCondition(ConditionTypes.DeletionBlocked, ConditionStatus.True, ConditionReasons.HeldByChildren, message, clock.GetUtcNow().UtcDateTime);
            if (await StatusWriter.WriteAsync(resources.Checkpoints, checkpoint, status, logger, cancellationToken) is not null)
            {
                await events.NormalAsync(checkpoint, ConditionReasons.HeldByChildren, message, cancellationToken);
            }
        }

        return ReconcileResult.After(ChildrenPollInterval);
    }

    /// <summary>Asks the agent of <paramref name="node"/> to delete the images.</summary>
    private async Task<Deletion> DeleteImagesAsync(Checkpoint checkpoint, string node, CancellationToken cancellationToken)
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
            logger.LogWarning("cannot delete the images of {Namespace}/{Name} on node {Node} yet: {Message}", checkpoint.Metadata.NamespaceProperty, checkpoint.Metadata.Name, node, e.Message);
            return new Deletion.NotReached(e.Message);
        }
        catch (AgentOperationFailedException e) when (e.Reason == ErrorReason.CheckpointHasChildren)
        {
            // Increments in the store that no Checkpoint here names (made by hand, or whose objects went first).
            return new Deletion.HeldByImages($"the agent on node {node} keeps increments of it ({e.Message})");
        }
        catch (AgentOperationFailedException e)
        {
            // The agent refused for good (e.g. a name it cannot hold): keeping the finalizer would block deletion forever.
            await events.WarningAsync(checkpoint, ConditionReasons.AgentRejected, $"could not delete the images: {e.Message}", cancellationToken);
        }

        return Deletion.Done;
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

    /// <summary>What asking the agent to delete the images came to.</summary>
    private abstract record Deletion
    {
        public static readonly Deletion Done = new Finished();

        /// <summary>The agent keeps the images: increments of them are in its store.</summary>
        public sealed record HeldByImages(string Why) : Deletion;

        /// <summary>No agent of the node answered (none runs there, or it is unreachable).</summary>
        public sealed record NotReached(string Why) : Deletion;

        private sealed record Finished : Deletion;
    }
}
