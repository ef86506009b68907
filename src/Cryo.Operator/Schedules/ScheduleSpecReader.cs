using Cryo.Api;
using Cryo.Operator.Reconciling;
using k8s.Models;

namespace Cryo.Operator.Schedules;

/// <summary>
/// Reads what the CRD cannot check of a CheckpointSchedule's spec: the cron expression, the time zone, the interval
/// (at least <see cref="IntervalSchedule.Shortest"/>), maxAge and the selector. What is wrong is an InvalidSchedule failure.
/// </summary>
public static class ScheduleSpecReader
{
    /// <summary>The settings of <paramref name="schedule"/>, or why it cannot run.</summary>
    public static Found<ScheduleSettings> Read(CheckpointSchedule schedule)
    {
        var spec = schedule.Spec;
        if ((spec.PodName is null) == (spec.Selector is null))
        {
            return Invalid("exactly one of podName and selector must be set");
        }

        try
        {
            ISchedule when;
            if (spec.Schedule is { } cron && spec.Every is null)
            {
                when = new CronSchedule(CronExpression.Parse(cron), Zone(spec.TimeZone));
            }
            else if (spec.Every is { } every && spec.Schedule is null)
            {
                var interval = DurationText.Parse(every);
                if (interval < IntervalSchedule.Shortest)
                {
                    return Invalid($"every: {every} is shorter than {IntervalSchedule.Shortest.TotalSeconds:0} seconds");
                }

                var created = schedule.Metadata.CreationTimestamp ?? throw new InvalidOperationException("the API server sets creationTimestamp");
                when = new IntervalSchedule(new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)), interval);
            }
            else
            {
                return Invalid("exactly one of schedule and every must be set");
            }

            var maxAge = spec.MaxAge is { } age ? DurationText.Parse(age) : (TimeSpan?)null;
            return new ScheduleSettings(when, spec.Selector is { } selector ? Query(selector) : null, maxAge);
        }
        catch (FormatException e)
        {
            return Invalid(e.Message);
        }
        catch (TimeZoneNotFoundException)
        {
            return Invalid($"timeZone: no time zone {spec.TimeZone} is known (an IANA name such as Europe/Paris is expected)");
        }
        catch (InvalidTimeZoneException e)
        {
            return Invalid($"timeZone: {spec.TimeZone} cannot be read: {e.Message}");
        }
    }

    /// <summary>The label selector query of <paramref name="selector"/>, as the API server reads it in list requests.</summary>
    public static string Query(V1LabelSelector selector)
    {
        var parts = new List<string>();
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            parts.Add($"{key}={value}");
        }

        foreach (var e in selector.MatchExpressions ?? [])
        {
            parts.Add(e.OperatorProperty switch
            {
                "In" => $"{e.Key} in ({string.Join(",", e.Values ?? [])})",
                "NotIn" => $"{e.Key} notin ({string.Join(",", e.Values ?? [])})",
                "Exists" => e.Key,
                "DoesNotExist" => $"!{e.Key}",
                var op => throw new FormatException($"selector: operator {op} of key {e.Key} is not In, NotIn, Exists or DoesNotExist"),
            });
        }

        return parts.Count == 0
            ? throw new FormatException("selector: an empty selector would select every pod of the namespace; name labels")
            : string.Join(",", parts);
    }

    private static TimeZoneInfo Zone(string? name) => name is null ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(name);

    private static Failure Invalid(string message) => new(ConditionReasons.InvalidSchedule, message);
}
