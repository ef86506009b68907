using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Reconciling;

namespace Cryo.Operator.Checkpoints;

/// <summary>
/// Which Checkpoint a Checkpoint builds on: <c>spec.parentCheckpoint</c>, or for <see cref="CheckpointSettings.AutoParent"/>
/// the newest Succeeded Checkpoint of the same container as it runs now (same pod UID and container ID), chosen once
/// when checkpointing begins and kept in <c>status.parent</c>, so every later pass asks the agent for the same one.
/// </summary>
public static class CheckpointParent
{
    /// <summary>Whether the Checkpoint asks for an automatic parent.</summary>
    public static bool IsAuto(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return checkpoint.Spec.ParentCheckpoint == CheckpointSpec.AutoParent;
    }

    /// <summary>The parent's name as decided so far: the named one, what <c>auto</c> chose (null before it chose, or when it found none).</summary>
    public static string? Decided(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return IsAuto(checkpoint) ? checkpoint.Status?.Parent : checkpoint.Spec.ParentCheckpoint;
    }

    /// <summary>The newest Succeeded Checkpoint in the namespace of <paramref name="target"/>'s processes (not this one), or null.</summary>
    public static async Task<string?> FindAutoAsync(CryoResources resources, Checkpoint checkpoint, RunningContainer target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var candidates = (await resources.Checkpoints.ListAsync(checkpoint.Metadata.NamespaceProperty, cancellationToken)).Items
            .Where(c => c.Metadata.Name != checkpoint.Metadata.Name && c.Metadata.DeletionTimestamp is null)
            .Where(c => c.Status is { Phase: Phase.Succeeded } s && s.PodUid == target.Pod.Metadata.Uid && s.ContainerId == target.ContainerId);
        return candidates
            .OrderByDescending(c => c.Status!.CompletionTime ?? c.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenByDescending(c => c.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault()?.Metadata.Name;
    }
}
