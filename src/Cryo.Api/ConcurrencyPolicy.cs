namespace Cryo.Api;

/// <summary>The values of a CheckpointSchedule's <c>concurrencyPolicy</c>, as a CronJob has them.</summary>
public static class ConcurrencyPolicy
{
    /// <summary>A run starts its Checkpoints even while earlier ones of the schedule have not finished.</summary>
    public const string Allow = "Allow";

    /// <summary>A run waits while a Checkpoint of the schedule has not finished (the default).</summary>
    public const string Forbid = "Forbid";

    /// <summary>A run deletes the unfinished Checkpoints of the schedule, then starts its own.</summary>
    public const string Replace = "Replace";
}
