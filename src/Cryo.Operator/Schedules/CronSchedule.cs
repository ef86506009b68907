namespace Cryo.Operator.Schedules;

/// <summary>
/// A cron expression read in a time zone. A wall-clock time that a daylight saving change skips does not run; one it
/// repeats runs once, at its first occurrence.
/// </summary>
public sealed class CronSchedule(CronExpression expression, TimeZoneInfo zone) : ISchedule
{
    /// <summary>The expression.</summary>
    public CronExpression Expression { get; } = expression;

    /// <summary>The zone its wall-clock times are read in.</summary>
    public TimeZoneInfo Zone { get; } = zone;

    /// <inheritdoc/>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        var wall = TimeZoneInfo.ConvertTime(after, Zone).DateTime;
        while (Expression.NextAfter(wall) is { } candidate)
        {
            if (Instant(candidate) is { } instant && instant > after)
            {
                return instant;
            }

            wall = candidate;
        }

        return null;
    }

    /// <inheritdoc/>
    public DateTimeOffset? Latest(DateTimeOffset atOrBefore)
    {
        var wall = TimeZoneInfo.ConvertTime(atOrBefore, Zone).DateTime;
        while (Expression.LatestAtOrBefore(wall) is { } candidate)
        {
            if (Instant(candidate) is { } instant && instant <= atOrBefore)
            {
                return instant;
            }

            wall = candidate.AddMinutes(-1);
        }

        return null;
    }

    /// <summary>The instant of a wall-clock time: none in a gap, the first of two when the clock goes back.</summary>
    private DateTimeOffset? Instant(DateTime wall)
    {
        if (Zone.IsInvalidTime(wall))
        {
            return null;
        }

        var offset = Zone.IsAmbiguousTime(wall) ? Zone.GetAmbiguousTimeOffsets(wall).Max() : Zone.GetUtcOffset(wall);
        return new DateTimeOffset(wall, offset).ToUniversalTime();
    }
}
