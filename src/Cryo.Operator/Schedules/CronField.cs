using System.Globalization;

namespace Cryo.Operator.Schedules;

/// <summary>The values one field of a cron expression allows, as a bit set, and whether it was written unrestricted.</summary>
public readonly record struct CronField
{
    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private readonly ulong bits;

    private CronField(ulong bits, bool isStar)
    {
        this.bits = bits;
        IsStar = isStar;
    }

    /// <summary>
    /// Written as <c>*</c> or <c>?</c> (alone, or with step 1): the day fields combine differently then. <c>*/2</c> is a
    /// restriction, as robfig/cron reads it.
    /// </summary>
    public bool IsStar { get; }

    /// <summary>Whether <paramref name="value"/> is allowed.</summary>
    public bool Has(int value) => value is >= 0 and < 64 && (bits & (1UL << value)) != 0;

    /// <summary>Reads one field: a comma-separated list of <c>*</c>, <c>N</c>, <c>N-M</c>, each optionally with <c>/STEP</c>.</summary>
    public static CronField Parse(string text, CronFieldKind kind)
    {
        var (min, max) = Bounds(kind);
        ulong bits = 0;
        var star = false;
        foreach (var part in text.Split(','))
        {
            var (partBits, partStar) = ParsePart(part, kind, min, max);
            bits |= partBits;
            star |= partStar;
        }

        if (kind == CronFieldKind.DayOfWeek && (bits & (1UL << 7)) != 0)
        {
            bits = (bits & ~(1UL << 7)) | 1UL; // 7 is Sunday too
        }

        return new CronField(bits, star);
    }

    private static (ulong Bits, bool Star) ParsePart(string part, CronFieldKind kind, int min, int max)
    {
        var name = Name(kind);
        if (part.Length == 0)
        {
            throw new FormatException($"empty element in the {name} field");
        }

        var slash = part.Split('/');
        if (slash.Length > 2)
        {
            throw new FormatException($"too many slashes in \"{part}\" ({name} field)");
        }

        int low, high;
        var star = false;
        var range = slash[0];
        if (range is "*" or "?")
        {
            (low, high, star) = (min, max, true);
        }
        else
        {
            var dash = range.Split('-');
            if (dash.Length > 2)
            {
                throw new FormatException($"too many dashes in \"{part}\" ({name} field)");
            }

            low = Value(dash[0], kind, min, max);
            high = dash.Length == 2 ? Value(dash[1], kind, min, max) : low;
            if (dash.Length == 1 && slash.Length == 2)
            {
                high = max; // "N/step" means "N-max/step"
            }

            if (low > high)
            {
                throw new FormatException($"range {range} runs backwards ({name} field)");
            }
        }

        var step = 1;
        if (slash.Length == 2)
        {
            if (!int.TryParse(slash[1], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1)
            {
                throw new FormatException($"step \"{slash[1]}\" in \"{part}\" is not a positive number ({name} field)");
            }

            star &= step == 1;
        }

        ulong bits = 0;
        for (var v = low; v <= high; v += step)
        {
            bits |= 1UL << v;
        }

        return (bits, star);
    }

    private static int Value(string text, CronFieldKind kind, int min, int max)
    {
        var names = kind switch
        {
            CronFieldKind.Month => MonthNames,
            CronFieldKind.DayOfWeek => DayNames,
            _ => null,
        };
        var index = names is null ? -1 : Array.FindIndex(names, n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            return kind == CronFieldKind.Month ? index + 1 : index;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException($"\"{text}\" is not a number{(names is null ? "" : " or a name")} ({Name(kind)} field)");
        }

        if (value < min || value > max)
        {
            throw new FormatException($"{value} is out of range {min}-{max} ({Name(kind)} field)");
        }

        return value;
    }

    private static (int Min, int Max) Bounds(CronFieldKind kind) => kind switch
    {
        CronFieldKind.Minute => (0, 59),
        CronFieldKind.Hour => (0, 23),
        CronFieldKind.DayOfMonth => (1, 31),
        CronFieldKind.Month => (1, 12),
        _ => (0, 7),
    };

    private static string Name(CronFieldKind kind) => kind switch
    {
        CronFieldKind.Minute => "minute",
        CronFieldKind.Hour => "hour",
        CronFieldKind.DayOfMonth => "day-of-month",
        CronFieldKind.Month => "month",
        _ => "day-of-week",
    };
}
