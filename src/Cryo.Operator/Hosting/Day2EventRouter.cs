using Cryo.Api;
using Cryo.Operator.Evictions;
using Cryo.Operator.Queue;
using k8s;
using k8s.Models;

namespace Cryo.Operator.Hosting;

/// <summary>
/// The watch events that concern what runs Cryo on its own, beside <see cref="EventRouter"/>: a CheckpointSchedule whose
/// spec or deletion state changed; the schedule of a Checkpoint it created that finished or went (a Forbid run waits for
/// it, pruning counts it); a Checkpoint or Restore with ttlSecondsAfterFinished that just finished (its pass requeues at
/// the expiry); a pod asking for a checkpoint on eviction that is being deleted.
/// </summary>
public sealed class Day2EventRouter(WorkQueue checkpointQueue, WorkQueue restoreQueue, WorkQueue scheduleQueue, WorkQueue evictionQueue)
{
    /// <summary>A CheckpointSchedule changed.</summary>
    public void OnSchedule(WatchEventType type, CheckpointSchedule schedule, CheckpointSchedule? previous)
    {
        if (type is not WatchEventType.Modified || previous is null ||
            schedule.Metadata.Generation != previous.Metadata.Generation ||
            (schedule.Metadata.DeletionTimestamp is null) != (previous.Metadata.DeletionTimestamp is null))
        {
            scheduleQueue.Add(Key(schedule.Metadata));
        }
    }

    /// <summary>A Checkpoint changed.</summary>
    public void OnCheckpoint(WatchEventType type, Checkpoint checkpoint, Checkpoint? previous)
    {
        var finishedNow = Finished(checkpoint.Status?.Phase) && !Finished(previous?.Status?.Phase);
        if (finishedNow && checkpoint.Spec.TtlSecondsAfterFinished is not null && type is not WatchEventType.Deleted)
        {
            checkpointQueue.Add(Key(checkpoint.Metadata));
        }

        if ((finishedNow || type is WatchEventType.Deleted) && checkpoint.Metadata.Labels is { } labels &&
            labels.TryGetValue(CryoNames.ScheduleLabel, out var schedule) &&
            checkpoint.Metadata.OwnerReferences?.Any(o => o.Kind == CheckpointSchedule.KindName && o.Name == schedule) == true)
        {
            scheduleQueue.Add(new ObjectKey(checkpoint.Metadata.NamespaceProperty, schedule));
        }
    }

    /// <summary>A Restore changed.</summary>
    public void OnRestore(WatchEventType type, Restore restore, Restore? previous)
    {
        if (type is not WatchEventType.Deleted && restore.Spec.TtlSecondsAfterFinished is not null &&
            Finished(restore.Status?.Phase) && !Finished(previous?.Status?.Phase))
        {
            restoreQueue.Add(Key(restore.Metadata));
        }
    }

    /// <summary>A pod changed.</summary>
    public void OnPod(WatchEventType type, V1Pod pod, V1Pod? previous)
    {
        if (type is not WatchEventType.Deleted && pod.Metadata.DeletionTimestamp is not null && EvictionCheckpoints.IsRequested(pod))
        {
            evictionQueue.Add(Key(pod.Metadata));
        }
    }

    private static bool Finished(string? phase) => phase is Phase.Succeeded or Phase.Failed;

    private static ObjectKey Key(V1ObjectMeta meta) => new(meta.NamespaceProperty, meta.Name);
}
