using Cryo.Api;

namespace Cryo.Operator.Schedules;

/// <summary>
/// Which finished Checkpoints of a schedule go: beyond the newest <c>successfulCheckpointsHistoryLimit</c> Succeeded and
/// <c>failedCheckpointsHistoryLimit</c> Failed ones (newest by the run that made them), and those that completed longer
/// than <c>maxAge</c> ago. Unfinished ones always stay; what else must stay (<see cref="Retention.CheckpointHolds"/>) the
/// caller asks afterwards.
/// </summary>
public static class CheckpointHistory
{
    /// <summary>The Checkpoints among <paramref name="owned"/> that the limits and age no longer keep.</summary>
    public static IReadOnlyList<PrunedCheckpoint> Beyond(CheckpointScheduleSpec spec, TimeSpan? maxAge, IEnumerable<Checkpoint> owned, DateTime now)
    {
        var finished = owned
            .Where(c => c.Metadata.DeletionTimestamp is null && c.Status?.Phase is Phase.Succeeded or Phase.Failed)
            .OrderByDescending(ScheduledCheckpoints.ScheduledAt)
            .ThenByDescending(c => c.Metadata.CreationTimestamp)
            .ThenByDescending(c => c.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        var pruned = new Dictionary<string, PrunedCheckpoint>();
        foreach (var (phase, limit) in new[] { (Phase.Succeeded, spec.EffectiveSuccessfulHistoryLimit), (Phase.Failed, spec.EffectiveFailedHistoryLimit) })
        {
            foreach (var c in finished.Where(c => c.Status!.Phase == phase).Skip(limit))
            {
                pruned[c.Metadata.Name] = new PrunedCheckpoint(c, "history_limit", $"beyond the newest {limit} {phase} Checkpoints of the schedule");
            }
        }

        if (maxAge is { } age)
        {
            foreach (var c in finished.Where(c => !pruned.ContainsKey(c.Metadata.Name) && (c.Status!.CompletionTime ?? ScheduledCheckpoints.ScheduledAt(c)) + age < now))
            {
                pruned[c.Metadata.Name] = new PrunedCheckpoint(c, "max_age", $"completed more than maxAge ({spec.MaxAge}) ago");
            }
        }

        return finished.Where(c => pruned.ContainsKey(c.Metadata.Name)).Select(c => pruned[c.Metadata.Name]).Reverse().ToList();
    }
}
