namespace Cryo.Operator.Schedules;

/// <summary>
/// A standard five-field cron expression (minute, hour, day of month, month, day of week), read as Kubernetes
/// CronJobs read theirs (robfig/cron's standard parser): ranges, steps, lists, names of months and days, <c>?</c> for
/// <c>*</c>, day of week 7 for Sunday, the macros <c>@yearly</c>, <c>@annually</c>, <c>@monthly</c>, <c>@weekly</c>,
/// <c>@daily</c>, <c>@midnight</c>, <c>@hourly</c>. When both day fields are restricted a day matching either runs.
/// Times are wall-clock minutes; <see cref="CronSchedule"/> maps them to instants in a time zone.
/// </summary>
public sealed class CronExpression
{
    // Searching further than this for a match means there is none (e.g. 30 February).
    private const int SearchYears = 5;

    private static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    private readonly CronField minutes;
    private readonly CronField hours;
    private readonly CronField days;
    private readonly CronField months;
    private readonly CronField weekdays;

    private CronExpression(string text, CronField minutes, CronField hours, CronField days, CronField months, CronField weekdays)
    {
        Text = text;
        this.minutes = minutes;
        this.hours = hours;
        this.days = days;
        this.months = months;
        this.weekdays = weekdays;
    }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    /// <summary>Reads <paramref name="text"/>; a <see cref="FormatException"/> says what is wrong with it.</summary>
    public static CronExpression Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith('@'))
        {
            if (!Macros.TryGetValue(trimmed, out var expanded))
            {
                throw new FormatException($"unknown macro {trimmed} (known: {string.Join(", ", Macros.Keys)})");
            }

            var macro = Parse(expanded);
            return new CronExpression(trimmed, macro.minutes, macro.hours, macro.days, macro.months, macro.weekdays);
        }

        var fields = trimmed.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            throw new FormatException($"a schedule has 5 fields (minute hour day-of-month month day-of-week), not {fields.Length}: \"{text}\"");
        }

        return new CronExpression(
            trimmed,
            CronField.Parse(fields[0], CronFieldKind.Minute),
            CronField.Parse(fields[1], CronFieldKind.Hour),
            CronField.Parse(fields[2], CronFieldKind.DayOfMonth),
            CronField.Parse(fields[3], CronFieldKind.Month),
            CronField.Parse(fields[4], CronFieldKind.DayOfWeek));
    }

    /// <summary>Whether the wall-clock minute <paramref name="time"/> is one of the expression's.</summary>
    public bool Matches(DateTime time) =>
        months.Has(time.Month) && DayMatches(time) && hours.Has(time.Hour) && minutes.Has(time.Minute);

    /// <summary>The first matching wall-clock minute strictly after <paramref name="after"/>, or null when there is none.</summary>
    public DateTime? NextAfter(DateTime after)
    {
        var t = Minute(after).AddMinutes(1);
        var limit = t.AddYears(SearchYears);
        while (t <= limit)
        {
            if (!months.Has(t.Month))
            {
                t = new DateTime(t.Year, t.Month, 1).AddMonths(1);
            }
            else if (!DayMatches(t))
            {
                t = t.Date.AddDays(1);
            }
            else if (!hours.Has(t.Hour))
            {
                t = new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0).AddHours(1);
            }
            else if (!minutes.Has(t.Minute))
            {
                t = t.AddMinutes(1);
            }
            else
            {
                return t;
            }
        }

        return null;
    }

    /// <summary>The last matching wall-clock minute at or before <paramref name="atOrBefore"/>, or null when there is none.</summary>
    public DateTime? LatestAtOrBefore(DateTime atOrBefore)
    {
        var t = Minute(atOrBefore);
        var limit = t.AddYears(-SearchYears);
        while (t >= limit)
        {
            if (!months.Has(t.Month))
            {
                t = new DateTime(t.Year, t.Month, 1).AddMinutes(-1);
            }
            else if (!DayMatches(t))
            {
                t = t.Date.AddMinutes(-1);
            }
            else if (!hours.Has(t.Hour))
            {
                t = new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0).AddMinutes(-1);
            }
            else if (!minutes.Has(t.Minute))
            {
                t = t.AddMinutes(-1);
            }
            else
            {
                return t;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public override string ToString() => Text;

    // As cron: with either day field unrestricted (starting with * or ?) both must match; with both restricted, either.
    private bool DayMatches(DateTime t)
    {
        var dayOfMonth = days.Has(t.Day);
        var dayOfWeek = weekdays.Has((int)t.DayOfWeek);
        return days.IsStar || weekdays.IsStar ? dayOfMonth && dayOfWeek : dayOfMonth || dayOfWeek;
    }

    private static DateTime Minute(DateTime t) => new(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, DateTimeKind.Unspecified);
}
