namespace Cryo.Operator.Schedules;

/// <summary>
/// What a schedule should do now, worked out as the CronJob controller does: the latest scheduled time since the last
/// run (and not older than startingDeadlineSeconds) is due; earlier ones since then were missed and are not made up.
/// </summary>
/// <param name="Due">The run to start now, or null.</param>
/// <param name="Missed">How many runs since the last one are not made up (at most <see cref="MissedCountLimit"/>).</param>
/// <param name="Next">The first run after now, or null when there is none.</param>
/// <param name="Late">The latest run since the last one, when it is older than startingDeadlineSeconds allows (skipped too).</param>
public sealed record RunPlan(DateTimeOffset? Due, int Missed, DateTimeOffset? Next, DateTimeOffset? Late = null)
{
    /// <summary>Counting stops here: the number is only said in an Event.</summary>
    public const int MissedCountLimit = 100;

    /// <summary>
    /// Plans at <paramref name="now"/> for a schedule whose last run was at <paramref name="lastRun"/> (or that was created
    /// then, when it never ran), skipping runs older than <paramref name="startingDeadlineSeconds"/>.
    /// </summary>
    public static RunPlan At(ISchedule schedule, DateTimeOffset lastRun, long? startingDeadlineSeconds, DateTimeOffset now)
    {
        var latest = schedule.Latest(now);
        var next = schedule.Next(now);
        var missed = 0;
        for (var t = schedule.Next(lastRun); t is { } run && latest is { } l && run < l && missed < MissedCountLimit; t = schedule.Next(run))
        {
            missed++;
        }

        var earliest = startingDeadlineSeconds is { } deadline && now.AddSeconds(-deadline) > lastRun ? now.AddSeconds(-deadline) : lastRun;
        if (latest is not { } due || due <= lastRun)
        {
            return new RunPlan(null, 0, next);
        }

        // Too late to start: the latest run is missed too.
        return due < earliest ? new RunPlan(null, missed, next, due) : new RunPlan(due, missed, next);
    }
}
