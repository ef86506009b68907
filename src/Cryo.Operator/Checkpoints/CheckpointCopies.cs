using Cryo.Api;
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
    /// Records that <paramref name="node"/>'s agent holds <paramref name="checkpoint"/> (the object whose UID it pulled) and
    /// the <paramref name="parentsPulled"/> nearest links of its chain. Throws when the API server cannot be written, so
    /// the pass that pulled fails and its retry records again.
    /// </summary>
    public async Task RecordAsync(Checkpoint checkpoint, string node, int parentsPulled, CancellationToken cancellationToken)
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
