namespace Cryo.Criu.Running;

/// <summary>POSIX shell quoting: a single-quoted word is taken literally, except that it cannot contain a quote.</summary>
internal static class ShellQuoting
{
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
