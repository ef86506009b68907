using System.Text;
using System.Text.RegularExpressions;
using Cryo.Criu.Network;

namespace Cryo.Criu.Logs;

/// <summary>Reads CRIU's logs for what went wrong.</summary>
public static partial class CriuLog
{
    /// <summary>Lines of context CRIU failure reports carry on each side of an error by default.</summary>
    public const int DefaultContext = 3;

    // Keeps an exception message readable even when a broken run logs thousands of errors.
    private const int MaxErrors = 20;

    /// <summary>
    /// Printed by every run (no CAP_SYS_RESOURCE in the bounding set) and harmless unless the workload uses
    /// descriptor numbers near 20000: never an error worth reporting.
    /// </summary>
    private const string HarmlessRlimitError = "rlimit: Can't setup RLIMIT_NOFILE";

    /// <summary>
    /// The real errors of the log at <paramref name="path"/> with <paramref name="context"/> lines either side.
    /// A missing log (CRIU never got to write it) gives <see cref="CriuLogExcerpt.Empty"/>.
    /// </summary>
    public static CriuLogExcerpt ExtractErrors(string path, int context = DefaultContext)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            return CriuLogExcerpt.Empty;
        }
        // CRIU's helpers may still hold the log open: share it.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Extract(ReadLines(reader), context);
    }

    /// <summary>The real errors of a log's text, as <see cref="ExtractErrors(string, int)"/>.</summary>
    public static CriuLogExcerpt ParseErrors(string logText, int context = DefaultContext)
    {
        ArgumentNullException.ThrowIfNull(logText);
        using var reader = new StringReader(logText);
        return Extract(ReadLines(reader), context);
    }

    /// <summary>
    /// The run ID CRIU logs on its first line (<c>CRIU run id = 0f0ba1b1-…</c>), or null when the log is
    /// missing or CRIU died before writing it. It names what this run leaves in the kernel, such as the
    /// <see cref="NetworkLockTable"/> of a <c>--tcp-established</c> dump.
    /// </summary>
    public static string? ReadRunId(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            return null;
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // CRIU writes it before anything else; a few lines of slack cover a changed preamble.
        for (var i = 0; i < 16 && reader.ReadLine() is { } line; i++)
        {
            var match = RunIdLine().Match(line);
            if (match.Success)
            {
                return match.Groups[1].Value;
            }
        }
        return null;
    }

    /// <summary>Whether a log line reports an error that matters (CRIU's <c>Error (file:line): …</c> form).</summary>
    public static bool IsRealError(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Contains("Error (", StringComparison.Ordinal)
               && !line.Contains(HarmlessRlimitError, StringComparison.Ordinal);
    }

    /// <summary>A log line without the <c>(00.044726) </c> timestamp CRIU puts before it at verbosity 3 and up.</summary>
    public static string StripTimestamp(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return TimestampPrefix().Replace(line, string.Empty);
    }

    private static CriuLogExcerpt Extract(IEnumerable<string> lines, int context)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(context);
        var errors = new List<string>();
        var text = new StringBuilder();
        var before = new Queue<(long Number, string Line)>(context + 1);
        long lastWritten = -1;
        long number = -1;
        var afterRemaining = 0;

        foreach (var line in lines)
        {
            number++;
            if (IsRealError(line) && errors.Count < MaxErrors)
            {
                errors.Add(StripTimestamp(line).Trim());
                foreach (var (n, l) in before)
                {
                    Write(n, l);
                }
                before.Clear();
                Write(number, line);
                afterRemaining = context;
            }
            else if (afterRemaining > 0)
            {
                Write(number, line);
                afterRemaining--;
            }
            else if (context > 0)
            {
                if (before.Count == context)
                {
                    before.Dequeue();
                }
                before.Enqueue((number, line));
            }
        }
        return errors.Count == 0 ? CriuLogExcerpt.Empty : new CriuLogExcerpt(errors, text.ToString().TrimEnd('\n'));

        void Write(long n, string l)
        {
            if (lastWritten >= 0 && n > lastWritten + 1)
            {
                text.Append("...\n");
            }
            text.Append(l).Append('\n');
            lastWritten = n;
        }
    }

    private static IEnumerable<string> ReadLines(TextReader reader)
    {
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    [GeneratedRegex(@"CRIU run id = ([0-9A-Za-z-]{1,64})\s*$")]
    private static partial Regex RunIdLine();

    [GeneratedRegex(@"^\(\s*\d+\.\d+\)\s*")]
    private static partial Regex TimestampPrefix();
}
