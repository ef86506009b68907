using Cryo.Api;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using Cryo.Operator.Restores;
using Cryo.Operator.Watching;
using k8s;
using k8s.Models;

namespace Cryo.Operator.Hosting;

/// <summary>
/// Turns watch events into queue keys: a Checkpoint or Restore whose spec or deletion state changed (not
/// its status, which only the operator writes), the unfinished Checkpoints and Restores that name a pod
/// that changed, the Succeeded newPod Restore whose pod changed (it restores again into a restarted
/// container), the Succeeded existingPod Restores of a changed pod that declares the restored readiness
/// gate (its condition must not outlive the run restored into), and the Restores and child Checkpoints
/// (parentCheckpoint) of a Checkpoint whose phase changed. A RestoreSet is queued when its spec or deletion state
/// changed, when any Restore it controls or pod of its label changed (its copies and warm pods), and when the phase of
/// the Checkpoint it names changed.
/// </summary>
public sealed class EventRouter(
    ResourceWatcher<Checkpoint, CheckpointList> checkpoints,
    ResourceWatcher<Restore, RestoreList> restores,
    ResourceWatcher<RestoreSet, RestoreSetList> restoreSets,
    WorkQueue checkpointQueue,
    WorkQueue restoreQueue,
    WorkQueue restoreSetQueue)
{
    /// <summary>A Checkpoint changed.</summary>
    public void OnCheckpoint(WatchEventType type, Checkpoint checkpoint, Checkpoint? previous)
    {
        if (MetadataChanged(type, checkpoint.Metadata, previous?.Metadata))
        {
            checkpointQueue.Add(Key(checkpoint.Metadata));
        }

        if (checkpoint.Status?.Phase != previous?.Status?.Phase || type is WatchEventType.Deleted)
        {
            var ns = checkpoint.Metadata.NamespaceProperty;
            var name = checkpoint.Metadata.Name;
            foreach (var (key, restore) in restores.Cache)
            {
                if (key.Namespace == ns && restore.Spec.CheckpointName == name && !Finished(restore.Status?.Phase))
                {
                    restoreQueue.Add(key);
                }
            }

            foreach (var (key, set) in restoreSets.Cache)
            {
                if (key.Namespace == ns && set.Spec.CheckpointName == name)
                {
                    restoreSetQueue.Add(key);
                }
            }

            // Checkpoints waiting for this one as their parent go on when it finishes, not after their backoff.
            foreach (var (key, child) in checkpoints.Cache)
            {
                if (key.Namespace == ns && child.Spec.ParentCheckpoint == name && !Finished(child.Status?.Phase))
                {
                    checkpointQueue.Add(key);
                }
            }
        }

        // A parent whose deletion waits for its increments goes on as soon as the last of them is gone.
        if (type is WatchEventType.Deleted && (checkpoint.Status?.Parent ?? checkpoint.Spec.ParentCheckpoint) is { } parent
            && parent != CheckpointSpec.AutoParent)
        {
            checkpointQueue.Add(new ObjectKey(checkpoint.Metadata.NamespaceProperty, parent));
        }
    }

    /// <summary>A Restore changed.</summary>
    public void OnRestore(WatchEventType type, Restore restore, Restore? previous)
    {
        if (MetadataChanged(type, restore.Metadata, previous?.Metadata))
        {
            restoreQueue.Add(Key(restore.Metadata));
        }

        // A copy's status (restored, failed, ended) is what its set counts.
        if (Ownership.ControllerOf(restore.Metadata) is { Kind: RestoreSet.KindName, ApiVersion: CryoNames.ApiVersion } set)
        {
            restoreSetQueue.Add(new ObjectKey(restore.Metadata.NamespaceProperty, set.Name));
        }
    }

    /// <summary>A RestoreSet changed: its spec (replicas through the scale subresource too) or deletion state, not its status.</summary>
    public void OnRestoreSet(WatchEventType type, RestoreSet set, RestoreSet? previous)
    {
        if (MetadataChanged(type, set.Metadata, previous?.Metadata))
        {
            restoreSetQueue.Add(Key(set.Metadata));
        }
    }

    /// <summary>A pod changed: wake whatever names it.</summary>
    public void OnPod(WatchEventType type, V1Pod pod, V1Pod? previous)
    {
        var ns = pod.Metadata.NamespaceProperty;
        var name = pod.Metadata.Name;
        foreach (var (key, checkpoint) in checkpoints.Cache)
        {
            if (key.Namespace == ns && checkpoint.Spec.PodName == name && !Finished(checkpoint.Status?.Phase))
            {
                checkpointQueue.Add(key);
            }
        }

        if (pod.Metadata.Labels?.TryGetValue(CryoNames.RestoreSetLabel, out var setName) == true)
        {
            restoreSetQueue.Add(new ObjectKey(ns, setName));
        }

        var owner = pod.Metadata.Labels is { } labels && labels.TryGetValue(CryoNames.RestoreLabel, out var restoreName) ? restoreName : null;
        foreach (var (key, restore) in restores.Cache)
        {
            if (key.Namespace != ns)
            {
                continue;
            }

            var unfinished = !Finished(restore.Status?.Phase) &&
                             (key.Name == owner || restore.Status?.PodName == name || restore.Spec.ExistingPod?.Name == name);
            // The pod watch keeps no cache, so there is no previous pod to tell a restart from another status
            // change; a pass with nothing to do costs two reads, and restored pods change rarely. An existing pod is
            // followed while it declares the readiness gate whose condition the Restore keeps, or is the Restore's own.
            var followed = restore.Status?.Phase == Phase.Succeeded &&
                           ((restore.Spec.NewPod is not null && key.Name == owner) ||
                            (restore.Spec.ExistingPod?.Name == name && (RestoredCondition.IsGateOf(pod) || Ownership.IsControlledBy(pod.Metadata, restore))));
            if (unfinished || followed)
            {
                restoreQueue.Add(key);
            }
        }
    }

    private static bool MetadataChanged(WatchEventType type, V1ObjectMeta current, V1ObjectMeta? previous) =>
        type is not WatchEventType.Modified || previous is null ||
        current.Generation != previous.Generation ||
        (current.DeletionTimestamp is null) != (previous.DeletionTimestamp is null) ||
        !(current.Finalizers ?? []).SequenceEqual(previous.Finalizers ?? []);

    private static bool Finished(string? phase) => phase is Phase.Succeeded or Phase.Failed;

    private static ObjectKey Key(V1ObjectMeta meta) => new(meta.NamespaceProperty, meta.Name);
}
