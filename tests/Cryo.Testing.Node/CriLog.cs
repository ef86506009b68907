using System.Globalization;
using System.Text;

namespace Cryo.Testing.Node;

/// <summary>Reads the CRI log format containerd writes for each container (what <c>kubectl logs</c> reads).</summary>
public static class CriLog
{
    /// <summary>Parses the complete lines of <paramref name="content"/>; a last line without its newline (still being written) is left out.</summary>
    /// <exception cref="FormatException">A complete line is not in the CRI log format.</exception>
    public static IReadOnlyList<CriLogEntry> Parse(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var entries = new List<CriLogEntry>();
        var end = content.LastIndexOf('\n');
        if (end < 0)
        {
            return entries;
        }

        foreach (var line in content[..end].Split('\n'))
        {
            entries.Add(ParseLine(line));
        }

        return entries;
    }

    /// <summary>Parses one line (without its newline).</summary>
    /// <exception cref="FormatException">It is not <c>&lt;time&gt; &lt;stream&gt; &lt;P|F&gt; &lt;text&gt;</c>.</exception>
    public static CriLogEntry ParseLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = line.Split(' ', 4);
        if (fields.Length < 3 || fields[1] is not ("stdout" or "stderr") || fields[2] is not ("P" or "F"))
        {
            throw new FormatException($"not a CRI log line: '{line}'");
        }

        return new CriLogEntry(ParseTime(fields[0], line), fields[1], fields[2] == "P", fields.Length == 4 ? fields[3] : "");
    }

    /// <summary>
    /// The text the container wrote, as <c>kubectl logs</c> shows it: partial entries joined, a newline after each
    /// full one; only <paramref name="stream"/> when given.
    /// </summary>
    public static string Text(IEnumerable<CriLogEntry> entries, string? stream = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var text = new StringBuilder();
        foreach (var entry in entries.Where(e => stream is null || e.Stream == stream))
        {
            text.Append(entry.Text);
            if (!entry.Partial)
            {
                text.Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Reads and parses a log file; a file that does not exist yet is empty.</summary>
    public static IReadOnlyList<CriLogEntry> Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return Parse(reader.ReadToEnd());
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    // RFC 3339 with up to nine fraction digits (Go's RFC3339Nano); .NET parses seven.
    private static DateTimeOffset ParseTime(string value, string line)
    {
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        var normalized = value;
        if (dot >= 0)
        {
            var zone = value.IndexOfAny(['Z', '+', '-'], dot);
            var fraction = zone < 0 ? value[(dot + 1)..] : value[(dot + 1)..zone];
            normalized = value[..(dot + 1)] + (fraction.Length > 7 ? fraction[..7] : fraction) + (zone < 0 ? "" : value[zone..]);
        }

        return DateTimeOffset.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new FormatException($"bad time '{value}' in CRI log line '{line}'");
    }
}
