using Cryo.Api;
using Cryo.Operator.Configuration;

namespace Cryo.Operator.RestoreSets;

/// <summary>
/// How long a RestoreSet's next copy waits after copies failed in a row: <see cref="OperatorOptions.BackoffBase"/>
/// doubled per failure, up to <see cref="OperatorOptions.BackoffMax"/>, from the latest failure. The count and the time
/// live in the set's status, so a restarted operator (or another replica taking the lead) goes on where it was, and a
/// Checkpoint that cannot be restored is not retried in a tight loop.
/// </summary>
public static class ReplacementBackoff
{
    /// <summary>The delay after <paramref name="failures"/> failures in a row.</summary>
    public static TimeSpan Delay(int failures, OperatorOptions settings)
    {
        var ticks = settings.BackoffBase.Ticks * Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        return ticks >= settings.BackoffMax.Ticks ? settings.BackoffMax : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>When new copies may be made again, or null when no failure holds them back.</summary>
    public static DateTime? Until(RestoreSetStatus status, OperatorOptions settings) =>
        status is { ConsecutiveFailures: > 0 and var failures, LastFailureTime: { } last } ? last + Delay(failures, settings) : null;
}
