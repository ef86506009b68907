using Cryo.Api;
using k8s.Models;

namespace Cryo.Operator.Watching;

/// <summary>
/// What the informer caches keep of an object: what the event router and the gauges read. Left out are
/// the parts that can weigh kilobytes per object and that every reconcile pass reads afresh anyway: the pod
/// spec a Checkpoint recorded, <c>managedFields</c>, and annotations (kubectl's last-applied-configuration
/// holds a whole copy of the object).
/// </summary>
public static class CachedFields
{
    /// <summary>A Checkpoint without its recorded pod spec, managed fields and annotations.</summary>
    public static Checkpoint Checkpoint(Checkpoint checkpoint)
    {
        Trim(checkpoint.Metadata);
        if (checkpoint.Status is { } status)
        {
            status.PodSpec = null;
        }

        return checkpoint;
    }

    /// <summary>A Restore without managed fields and annotations.</summary>
    public static Restore Restore(Restore restore)
    {
        Trim(restore.Metadata);
        return restore;
    }

    /// <summary>A CheckpointSchedule without managed fields and annotations.</summary>
    public static CheckpointSchedule Schedule(CheckpointSchedule schedule)
    {
        Trim(schedule.Metadata);
        return schedule;
    }

    /// <summary>A RestoreSet without managed fields and annotations.</summary>
    public static RestoreSet RestoreSet(RestoreSet set)
    {
        Trim(set.Metadata);
        return set;
    }

    private static void Trim(V1ObjectMeta metadata)
    {
        metadata.ManagedFields = null;
        metadata.Annotations = null;
    }
}
