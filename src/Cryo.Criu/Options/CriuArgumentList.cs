using System.Globalization;

namespace Cryo.Criu.Options;

/// <summary>Accumulates a CRIU argv; shared by the option records so flags render the same everywhere.</summary>
internal sealed class CriuArgumentList
{
    private readonly List<string> _arguments = [];

    public CriuArgumentList(string command) => _arguments.Add(command);

    public CriuArgumentList Flag(bool enabled, string flag)
    {
        if (enabled)
        {
            _arguments.Add(flag);
        }
        return this;
    }

    public CriuArgumentList Value(string flag, string? value)
    {
        if (value is not null)
        {
            RejectNul(flag, value);
            _arguments.Add(flag);
            _arguments.Add(value);
        }
        return this;
    }

    public CriuArgumentList Value(string flag, long? value) =>
        value is null ? this : Value(flag, value.Value.ToString(CultureInfo.InvariantCulture));

    public CriuArgumentList Each(string flag, IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            if (string.IsNullOrEmpty(value))
            {
                throw new ArgumentException($"an empty value was given for CRIU option {flag}");
            }
            Value(flag, value);
        }
        return this;
    }

    /// <summary>CRIU parses optional arguments with getopt, so they must be glued on with '='.</summary>
    public CriuArgumentList OptionalValue(bool enabled, string flag, string? value)
    {
        if (value is not null)
        {
            RejectNul(flag, value);
            _arguments.Add($"{flag}={value}");
        }
        else if (enabled)
        {
            _arguments.Add(flag);
        }
        return this;
    }

    public CriuArgumentList Verbatim(IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            RejectNul("additional argument", value);
            _arguments.Add(value);
        }
        return this;
    }

    public IReadOnlyList<string> ToList() => _arguments.ToArray();

    internal static void RequireLogSettings(string logFile, int logLevel)
    {
        if (string.IsNullOrWhiteSpace(logFile))
        {
            throw new ArgumentException("LogFile (-o) must name a file: every CRIU run keeps its log");
        }
        if (logLevel is < 0 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(logLevel), logLevel, "LogLevel (-v) must be between 0 and 4");
        }
    }

    internal static void RequireDirectory(string name, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{name} must be set");
        }
    }

    private static void RejectNul(string flag, string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"the value of CRIU option {flag} contains a NUL character");
        }
    }
}
