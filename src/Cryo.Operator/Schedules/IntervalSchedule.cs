namespace Cryo.Operator.Schedules;

/// <summary>Runs at <paramref name="anchor"/> plus whole multiples (one or more) of <paramref name="interval"/>.</summary>
public sealed class IntervalSchedule(DateTimeOffset anchor, TimeSpan interval) : ISchedule
{
    /// <summary>The shortest interval allowed, as cron's granularity.</summary>
    public static readonly TimeSpan Shortest = TimeSpan.FromMinutes(1);

    /// <summary>Where runs are counted from (the schedule's creation).</summary>
    public DateTimeOffset Anchor { get; } = anchor;

    /// <summary>The time between runs.</summary>
    public TimeSpan Interval { get; } = interval;

    /// <inheritdoc/>
    public DateTimeOffset? Next(DateTimeOffset after) =>
        after < Anchor + Interval ? Anchor + Interval : Anchor + (Intervals(after) + 1) * Interval;

    /// <inheritdoc/>
    public DateTimeOffset? Latest(DateTimeOffset atOrBefore) =>
        atOrBefore < Anchor + Interval ? null : Anchor + Intervals(atOrBefore) * Interval;

    private long Intervals(DateTimeOffset t) => (t - Anchor).Ticks / Interval.Ticks;
}
