using System.Globalization;

namespace Cryo.CommandLine;

/// <summary>Human-readable sizes and durations.</summary>
public static class Units
{
    /// <summary>Bytes as B, KiB, MiB or GiB.</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB"),
    };

    /// <summary>Milliseconds as ms or s.</summary>
    public static string Millis(long ms) =>
        ms < 10_000 ? $"{ms} ms" : string.Create(CultureInfo.InvariantCulture, $"{ms / 1000.0:0.0} s");
}
