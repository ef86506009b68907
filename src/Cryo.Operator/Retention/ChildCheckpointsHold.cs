using Cryo.Operator.Checkpoints;
using Cryo.Operator.KubernetesApi;

namespace Cryo.Operator.Retention;

/// <summary>A Checkpoint that names another as its parentCheckpoint builds on its images: the parent stays while the child exists.</summary>
public sealed class ChildCheckpointsHold(CryoResources resources) : ICheckpointHold
{
    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, string>> FindAsync(string ns, IReadOnlySet<string> names, CancellationToken cancellationToken)
    {
        var held = new Dictionary<string, string>();
        foreach (var child in (await resources.Checkpoints.ListAsync(ns, cancellationToken)).Items)
        {
            // What the child builds on: its status says once decided (parentCheckpoint: auto), its spec before.
            if ((child.Status?.Parent ?? (CheckpointParent.IsAuto(child) ? null : child.Spec.ParentCheckpoint)) is { } parent && names.Contains(parent))
            {
                held.TryAdd(parent, $"Checkpoint {child.Metadata.Name} builds on it (parentCheckpoint)");
            }
        }

        return held;
    }
}
