using System.Globalization;
using System.Text.RegularExpressions;

namespace Cryo.Operator.Schedules;

/// <summary>Durations as the CRDs write them: whole seconds, minutes, hours and days, e.g. <c>90m</c>, <c>1h30m</c>, <c>7d</c>.</summary>
public static partial class DurationText
{
    /// <summary>Reads <paramref name="text"/>; a <see cref="FormatException"/> says what is wrong with it.</summary>
    public static TimeSpan Parse(string text)
    {
        var parts = Part().Matches(text);
        if (text.Length == 0 || parts.Sum(m => m.Length) != text.Length)
        {
            throw new FormatException($"\"{text}\" is not a duration such as 90m, 1h30m or 7d");
        }

        var total = TimeSpan.Zero;
        foreach (Match part in parts)
        {
            if (!long.TryParse(part.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 100_000_000)
            {
                throw new FormatException($"\"{text}\" is too long a duration");
            }

            total += part.Groups[2].Value switch
            {
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            };
        }

        return total;
    }

    [GeneratedRegex("([0-9]+)(s|m|h|d)")]
    private static partial Regex Part();
}
