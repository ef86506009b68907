using System.Globalization;

namespace Cryo.Kubectl;

/// <summary>An object's age as kubectl prints it: <c>45s</c>, <c>12m</c>, <c>3h</c>, <c>2d</c>.</summary>
public static class Age
{
    /// <summary>The age, in the largest unit that fits.</summary>
    public static string Of(TimeSpan age)
    {
        var seconds = Math.Max(0, (long)age.TotalSeconds);
        return seconds switch
        {
            < 120 => Invariant($"{seconds}s"),
            < 120 * 60 => Invariant($"{seconds / 60}m"),
            < 48 * 3600 => Invariant($"{seconds / 3600}h"),
            _ => Invariant($"{seconds / 86400}d"),
        };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
