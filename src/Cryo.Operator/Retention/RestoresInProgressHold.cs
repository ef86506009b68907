using Cryo.Api;
using Cryo.Operator.KubernetesApi;

namespace Cryo.Operator.Retention;

/// <summary>A Restore that has neither Succeeded nor Failed (nor is being deleted) still needs the Checkpoint it names.</summary>
public sealed class RestoresInProgressHold(CryoResources resources) : ICheckpointHold
{
    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, string>> FindAsync(string ns, IReadOnlySet<string> names, CancellationToken cancellationToken)
    {
        var held = new Dictionary<string, string>();
        foreach (var restore in (await resources.Restores.ListAsync(ns, cancellationToken)).Items)
        {
            if (names.Contains(restore.Spec.CheckpointName) && restore.Metadata.DeletionTimestamp is null &&
                restore.Status?.Phase is not (Phase.Succeeded or Phase.Failed))
            {
                held.TryAdd(restore.Spec.CheckpointName, $"Restore {restore.Metadata.Name} is in progress");
            }
        }

        return held;
    }
}
