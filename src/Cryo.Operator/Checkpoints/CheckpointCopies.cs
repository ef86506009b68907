using Cryo.Api;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.KubernetesApi;
using Microsoft.Extensions.Logging;

namespace Cryo.Operator.Checkpoints;

/// <summary>
/// The nodes that hold a pulled copy of a Checkpoint (<see cref="CheckpointStatus.Copies"/>), so that deleting the
/// Checkpoint deletes the images there too (<see cref="CheckpointFinalizer"/>): with per-node storage nothing else
/// remembers where a copy went. A pull that brought an increment's parents with it records its node on those parents
/// as well, as many links up the chain as the agent pulled.
/// </summary>
public sealed class CheckpointCopies(CryoResources resources, ILogger<CheckpointCopies> logger)
{
    /// <summary>
    /// Records what a succeeded pull of <paramref name="checkpoint"/> to <paramref name="node"/> left there: a copy, unless
    /// the agent answered that it found the original (<see cref="PullCheckpointResult.Original"/>: a store that agent shares
    /// with the node that took it). Recording that one would have the Checkpoint's deletion delete "node's copy", the very
    /// directory of the original, and wait for that node's agent to do it. A copy found present is recorded all the same:
    /// an earlier pull that was never recorded left it.
    /// </summary>
    public Task RecordPulledAsync(Checkpoint checkpoint, string node, PullCheckpointResult pulled, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pulled);
        return pulled is { AlreadyPresent: true, Original: true }
            ? Task.CompletedTask
            : RecordAsync(checkpoint, node, pulled.ParentsPulled, cancellationToken);
    }

    /// <summary>
    /// Records that <paramref name="node"/>'s agent holds <paramref name="checkpoint"/> (the object whose UID it pulled) and
    /// the <paramref name="parentsPulled"/> nearest links of its chain. Throws when the API server cannot be written, so
    /// the pass that pulled fails and its retry records again.
    /// </summary>
    private async Task RecordAsync(Checkpoint checkpoint, string node, int parentsPulled, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var ns = checkpoint.Metadata.NamespaceProperty;
        var gone = await CheckpointStatusEdit.ApplyUpChainAsync(resources, ns, checkpoint.Metadata.Name, checkpoint.Metadata.Uid, parentsPulled, status =>
        {
            if (status.NodeName == node || status.Copies?.Contains(node) == true)
            {
                return false;
            }
            status.Copies = [.. status.Copies ?? [], node];
            return true;
        }, logger, cancellationToken);
        if (gone is not null)
        {
            // Gone, or made again under its name since: the copy is of nothing this cluster names.
            logger.LogWarning("pulled a copy of Checkpoint {Namespace}/{Name} to node {Node}, but that Checkpoint is gone; the copy is not recorded", ns, gone, node);
        }
    }
}
