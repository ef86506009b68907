namespace Cryo.Criu.Running;

/// <summary>
/// A CRIU run that outlived its deadline and was killed, with every process it had started
/// (CRIU ignores SIGTERM, and a restore blocked on a file lock never ends by itself).
/// </summary>
public sealed class CriuTimeoutException : CriuException
{
    /// <summary>Creates the exception for a CRIU run killed at its deadline.</summary>
    public CriuTimeoutException(string operation, TimeSpan deadline, int exitCode, string? logPath, string logExcerpt,
        string standardErrorTail, string message)
        : base(operation, exitCode, logPath, logExcerpt, standardErrorTail, message)
    {
        Deadline = deadline;
    }

    /// <summary>How long CRIU was allowed to run.</summary>
    public TimeSpan Deadline { get; }
}
