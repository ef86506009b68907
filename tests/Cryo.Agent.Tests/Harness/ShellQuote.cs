namespace Cryo.Agent.Tests.Harness;

/// <summary>Quotes a string for POSIX shells.</summary>
internal static class ShellQuote
{
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
