using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Reconciling;

namespace Cryo.Operator.Retention;

/// <summary>
/// A RestoreSet needs the Checkpoint its <c>spec.checkpointName</c> names (its next copies and warm pods are built from
/// it) and every Checkpoint its live copies came from: a copy's Restore restores its Checkpoint again whenever the
/// copy's container restarts, long after the Restore Succeeded, and a set whose checkpointName changed keeps its older
/// copies until they end. A set being deleted needs nothing; a copy whose Restore Failed or is being deleted neither.
/// </summary>
public sealed class RestoreSetsHold(CryoResources resources) : ICheckpointHold
{
    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, string>> FindAsync(string ns, IReadOnlySet<string> names, CancellationToken cancellationToken)
    {
        var held = new Dictionary<string, string>();
        foreach (var set in (await resources.RestoreSets.ListAsync(ns, cancellationToken)).Items)
        {
            if (set.Metadata.DeletionTimestamp is null && names.Contains(set.Spec.CheckpointName))
            {
                held.TryAdd(set.Spec.CheckpointName, $"RestoreSet {set.Metadata.Name} makes its copies from it");
            }
        }

        // The set's label narrows the list to copies; the controller reference decides, as the set itself does.
        foreach (var copy in (await resources.Restores.ListAsync(ns, CryoNames.RestoreSetLabel, cancellationToken)).Items)
        {
            if (names.Contains(copy.Spec.CheckpointName) && copy.Metadata.DeletionTimestamp is null && copy.Status?.Phase != Phase.Failed &&
                Ownership.ControllerOf(copy.Metadata) is { Kind: RestoreSet.KindName, ApiVersion: CryoNames.ApiVersion } set)
            {
                held.TryAdd(copy.Spec.CheckpointName, $"copy {copy.Metadata.Name} of RestoreSet {set.Name} was restored from it and restores it again after a restart");
            }
        }

        return held;
    }
}
