namespace Cryo.Operator.Schedules;

/// <summary>The five fields of a cron expression, in order.</summary>
public enum CronFieldKind
{
    /// <summary>0-59.</summary>
    Minute,

    /// <summary>0-23.</summary>
    Hour,

    /// <summary>1-31.</summary>
    DayOfMonth,

    /// <summary>1-12 or JAN-DEC.</summary>
    Month,

    /// <summary>0-7 (0 and 7 are Sunday) or SUN-SAT.</summary>
    DayOfWeek,
}
