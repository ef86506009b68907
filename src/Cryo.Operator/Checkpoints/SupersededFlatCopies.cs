using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace Cryo.Operator.Checkpoints;

/// <summary>
/// Keeps <see cref="CheckpointStatus.FlatCopyBytes"/> true once an increment commits: the agent then removes the flat copies
/// its parents kept (a chain keeps one, its newest increment's), so their status must stop counting them. Only the
/// increment's reconciler learns of that commit, hence it clears them, up the chain through <see cref="CheckpointStatus.Parent"/>.
/// </summary>
public sealed class SupersededFlatCopies(CryoResources resources, ILogger<SupersededFlatCopies> logger)
{
    /// <summary>
    /// Clears the flat copy bytes of <paramref name="increment"/>'s ancestors: its parent <paramref name="parent"/> and the links
    /// above it, <paramref name="chainLength"/> - 1 in all. A failure is logged, not thrown: the increment committed, and the number
    /// it leaves is what the parent's copy took while it was kept.
    /// </summary>
    public async Task ClearAsync(Checkpoint increment, string parent, int chainLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(increment);
        try
        {
            await CheckpointStatusEdit.ApplyUpChainAsync(resources, increment.Metadata.NamespaceProperty, parent, uid: null, chainLength - 2, status =>
            {
                var counted = status.FlatCopyBytes is not null;
                status.FlatCopyBytes = null;
                return counted;
            }, logger, cancellationToken);
        }
        catch (HttpOperationException e)
        {
            logger.LogWarning("checkpoint {Namespace}/{Name} committed, but the flat copies of its chain may still be counted in their status: {Error}",
                increment.Metadata.NamespaceProperty, increment.Metadata.Name, e.Message);
        }
    }
}
