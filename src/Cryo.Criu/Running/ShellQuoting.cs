namespace Cryo.Criu.Running;

/// <summary>POSIX shell quoting: a single-quoted word is taken literally, except that it cannot contain a quote.</summary>
public static class ShellQuoting
{
    /// <summary>The value as one shell word.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
