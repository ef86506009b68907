namespace Cryo.Operator.Schedules;

/// <summary>A CheckpointSchedule's spec as the reconciler uses it, read and checked.</summary>
/// <param name="Schedule">When it runs.</param>
/// <param name="LabelSelector">The pods it checkpoints as a label selector query, or null when it names one pod.</param>
/// <param name="MaxAge">How long finished Checkpoints are kept at most, or null.</param>
public sealed record ScheduleSettings(ISchedule Schedule, string? LabelSelector, TimeSpan? MaxAge);
