namespace Cryo.Operator.Schedules;

/// <summary>The instants a CheckpointSchedule runs at: a cron expression in a time zone, or an interval.</summary>
public interface ISchedule
{
    /// <summary>The first run strictly after <paramref name="after"/>, or null when there is none.</summary>
    DateTimeOffset? Next(DateTimeOffset after);

    /// <summary>The latest run at or before <paramref name="atOrBefore"/>, or null when there is none.</summary>
    DateTimeOffset? Latest(DateTimeOffset atOrBefore);
}
