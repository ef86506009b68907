namespace Cryo.Criu.Running;

/// <summary>A CRIU run that failed: the operation, its exit code and what CRIU's own log says about it.</summary>
public class CriuException : Exception
{
    /// <summary>Creates the exception for a failed CRIU run.</summary>
    /// <param name="operation">The CRIU command: <c>dump</c>, <c>restore</c>, <c>check</c>, <c>version</c>.</param>
    /// <param name="exitCode">CRIU's exit code (1 for an ordinary failure, 128+N when killed by signal N).</param>
    /// <param name="logPath">The log CRIU wrote for this run, or <c>null</c> when it writes none.</param>
    /// <param name="logExcerpt">The lines around each error of that log.</param>
    /// <param name="standardErrorTail">The end of what CRIU printed on stderr.</param>
    /// <param name="message">The whole message, naming the operation and the first real error.</param>
    /// <param name="innerException">The cause, if any.</param>
    public CriuException(string operation, int exitCode, string? logPath, string logExcerpt, string standardErrorTail,
        string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Operation = operation;
        ExitCode = exitCode;
        LogPath = logPath;
        LogExcerpt = logExcerpt;
        StandardErrorTail = standardErrorTail;
    }

    /// <summary>The CRIU command that failed: <c>dump</c>, <c>restore</c>, <c>check</c> or <c>version</c>.</summary>
    public string Operation { get; }

    /// <summary>CRIU's exit code (1 for an ordinary failure; 134 for an abort; 137 when killed).</summary>
    public int ExitCode { get; }

    /// <summary>CRIU's log of this run (inside the images directory by default), or <c>null</c>.</summary>
    public string? LogPath { get; }

    /// <summary>The lines around each <c>Error</c> line of CRIU's log, harmless ones left out; empty when there are none.</summary>
    public string LogExcerpt { get; }

    /// <summary>The last lines CRIU (or the launch prefix) wrote to stderr.</summary>
    public string StandardErrorTail { get; }
}
