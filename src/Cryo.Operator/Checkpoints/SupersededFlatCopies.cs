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
    /// Clears the flat copy bytes of <paramref name="increment"/>'s ancestors, at most <paramref name="chainLength"/> - 1 links
    /// up from its parent <paramref name="parent"/>. A failure is logged, not thrown: the increment committed, and the number
    /// it leaves is what the parent's copy took while it was kept.
    /// </summary>
    public async Task ClearAsync(Checkpoint increment, string parent, int chainLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(increment);
        var ns = increment.Metadata.NamespaceProperty;
        string? name = parent;
        try
        {
            for (var link = 1; link < chainLength && name is not null; link++)
            {
                name = await ClearOneAsync(ns, name, cancellationToken);
            }
        }
        catch (HttpOperationException e)
        {
            logger.LogWarning("checkpoint {Namespace}/{Name} committed, but the flat copy of its parent {Parent} is still counted in its status: {Error}",
                ns, increment.Metadata.Name, name, e.Message);
        }
    }

    /// <summary>Clears the flat copy bytes of <paramref name="ns"/>/<paramref name="name"/>; returns its parent's name.</summary>
    private async Task<string?> ClearOneAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var status = await CheckpointStatusEdit.ApplyAsync(resources, ns, name, uid: null, status =>
        {
            var counted = status.FlatCopyBytes is not null;
            status.FlatCopyBytes = null;
            return counted;
        }, logger, cancellationToken);
        return status?.Parent;
    }
}
