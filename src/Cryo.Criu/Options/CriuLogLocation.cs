namespace Cryo.Criu.Options;

/// <summary>CRIU's rule for <c>-o</c>: relative names land in the work directory (by default the images directory).</summary>
internal static class CriuLogLocation
{
    public static string Resolve(string logFile, string directory) =>
        Path.IsPathRooted(logFile) ? logFile : Path.Combine(directory, logFile);
}
