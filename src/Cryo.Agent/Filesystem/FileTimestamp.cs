using System.Globalization;

namespace Cryo.Agent.Filesystem;

/// <summary>A file time with the kernel's nanosecond precision (tar's DateTimeOffset keeps only 100 ns).</summary>
/// <param name="Seconds">Seconds since the Unix epoch.</param>
/// <param name="Nanoseconds">0–999,999,999.</param>
public readonly record struct FileTimestamp(long Seconds, long Nanoseconds)
{
    /// <summary>The PAX header form: seconds, a dot and nine digits of fraction.</summary>
    public string ToPax() => Seconds.ToString(CultureInfo.InvariantCulture) + "." +
        Nanoseconds.ToString("D9", CultureInfo.InvariantCulture);

    /// <summary>Parses a PAX time ("1700000000", "1700000000.5", "-1.25"); null when it is not one.</summary>
    public static FileTimestamp? TryParsePax(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? string.Empty : text[(dot + 1)..];
        if (!long.TryParse(whole, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) ||
            fraction.Any(c => c is < '0' or > '9'))
        {
            return null;
        }

        var digits = fraction.Length > 9 ? fraction[..9] : fraction.PadRight(9, '0');
        var nanoseconds = long.Parse(digits, CultureInfo.InvariantCulture);
        if (whole.StartsWith('-') && nanoseconds > 0)
        {
            // "-1.25" is 1.25 s before the epoch: -2 s plus 0.75 s.
            seconds -= 1;
            nanoseconds = 1_000_000_000 - nanoseconds;
        }

        return new FileTimestamp(seconds, nanoseconds);
    }

    /// <summary>The same instant as a DateTimeOffset (rounded down to 100 ns).</summary>
    public DateTimeOffset ToDateTimeOffset() =>
        DateTimeOffset.FromUnixTimeSeconds(Seconds).AddTicks(Nanoseconds / 100);
}
